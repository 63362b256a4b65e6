import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../../core/rfc5322-date.js';
import { replyLine } from '../../core/smtp-reply.js';
import type { GraphApi } from '../../transports/microsoft/graph-api.js';
import { GRAPH_SCOPES } from '../../transports/microsoft/identity-platform.js';
import { classifyMicrosoftError } from '../../transports/microsoft/microsoft-errors.js';
import type { TokenSource } from '../../transports/microsoft/token-source.js';
import { microsoftLinkKey, type MicrosoftLink } from './microsoft-store.js';

/**
 * The settings page's "send a test": one short message from the linked mailbox to `to`, through
 * Graph now (not the queue), so the tenant sees at once whether the link works. Counts against
 * nothing; a dead grant is reported (the caller flags the link broken).
 */
export interface MicrosoftTestResult {
  readonly ok: boolean;
  readonly summary: string;
  readonly linkBroken?: boolean;
}

export function testMessage(from: string, to: string, now: number): Buffer {
  const id = `${randomBytes(12).toString('hex')}@postbode.test-send`;
  return Buffer.from(
    [
      `From: <${from}>`,
      `To: <${to}>`,
      'Subject: Postbode test (Microsoft 365)',
      `Date: ${rfc5322Date(now)}`,
      `Message-ID: <${id}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This test message was sent by Postbode through your linked Microsoft 365 mailbox.',
      '',
    ].join('\r\n'),
  );
}

export async function microsoftTestSend(
  deps: { readonly graph: GraphApi; readonly tokens: TokenSource; readonly now: number },
  tenantId: string,
  link: MicrosoftLink,
  refreshToken: string,
  to: string,
): Promise<MicrosoftTestResult> {
  try {
    const token = await deps.tokens.accessToken(microsoftLinkKey(tenantId, link), refreshToken, GRAPH_SCOPES);
    await deps.graph.sendMime(token, link.userId, testMessage(link.address, to, deps.now));
    return { ok: true, summary: `sent from ${link.address} to ${to}: Microsoft 365 accepted it` };
  } catch (err) {
    const failure = classifyMicrosoftError(err, deps.now);
    return {
      ok: false,
      summary: replyLine(failure.reply),
      ...(failure.kind === 'link-broken' ? { linkBroken: true } : {}),
    };
  }
}
