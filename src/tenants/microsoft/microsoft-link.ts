import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';
import { replyLine } from '../../core/smtp-reply.js';
import { classifyMicrosoftError } from '../../transports/microsoft/microsoft-errors.js';
import type { GraphApi } from '../../transports/microsoft/graph-api.js';
import type { IdentityPlatform } from '../../transports/microsoft/identity-platform.js';
import { GRAPH_SCOPES } from '../../transports/microsoft/identity-platform.js';
import type { TokenSource } from '../../transports/microsoft/token-source.js';
import type { BrowserBinding } from '../gmail/browser-binding.js';
import { microsoftTestSend, type MicrosoftTestResult } from './microsoft-test-send.js';
import { type MicrosoftLink, type MicrosoftStore, microsoftLinkKey, microsoftTokenContext } from './microsoft-store.js';

/**
 * Linking a tenant's Microsoft 365 mailbox: the consent URL with a single-use `state` bound to the
 * tenant and, through a signed cookie, to the browser that asked; the callback that exchanges the
 * code (with the PKCE verifier) and stores the refresh token sealed with the mailbox and the
 * addresses it may send as; status, unlinking, and access tokens for any scope the grant covers.
 * Microsoft has no revoke endpoint for v2 refresh tokens: unlinking and relinking forget the old
 * token (the tenant's admin can withdraw consent in Entra).
 */
export interface MicrosoftLinkDeps {
  readonly store: MicrosoftStore;
  /** Absent when no Entra app is configured: linking answers 409, status still works. */
  readonly identity?: IdentityPlatform;
  readonly graph?: GraphApi;
  readonly tokens?: TokenSource;
  readonly secrets: { seal(plaintext: string, context: string): string; open(sealed: string, context: string): string };
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stateTtlMs: number;
  readonly binding: BrowserBinding;
  readonly defaultDailyRecipientLimit: number;
  readonly onLinked?: (tenantId: string) => void;
}

export interface MicrosoftStatus {
  readonly status: 'unlinked' | 'linked' | 'broken';
  readonly address?: string;
  readonly sendAs?: string[];
  readonly linkedAt?: number;
  readonly brokenReason?: string;
  readonly dailyRecipientLimit: number;
  readonly recipientsToday: number;
}

export const MICROSOFT_NOT_CONFIGURED =
  'Microsoft 365 mode is not available on this server: the administrator has not configured an Entra app ' +
  '(config microsoft365.clientId / microsoft365.clientSecret)';

export function createMicrosoftLinks(deps: MicrosoftLinkDeps) {
  const configured = () => {
    const { identity, graph, tokens } = deps;
    if (!identity || !graph || !tokens) throw new GatewayError('E_CONFLICT', MICROSOFT_NOT_CONFIGURED);
    return { identity, graph, tokens };
  };
  const limitOf = (link: MicrosoftLink | undefined): number =>
    link?.dailyRecipientLimit ?? deps.defaultDailyRecipientLimit;
  const refreshToken = (tenantId: string, link: MicrosoftLink): string =>
    deps.secrets.open(link.refreshTokenSealed, microsoftTokenContext(tenantId));

  /** Flags the link broken; with `key`, only that link (an old link's failure must not flag a new one). */
  async function markBroken(tenantId: string, reason: string, key?: string): Promise<void> {
    deps.logger.warn({ tenantId }, "Microsoft 365 link flagged broken; the tenant's mail waits until it links again");
    const applies = (l: MicrosoftLink): boolean =>
      !l.broken && (key === undefined || microsoftLinkKey(tenantId, l) === key);
    if (key !== undefined) deps.tokens?.forget(key);
    await deps.store
      .updateLink(tenantId, (l) => (l && applies(l) ? { ...l, broken: { at: deps.clock(), reason } } : l))
      .catch((err: unknown) => deps.logger.error({ tenantId, err }, 'could not flag the Microsoft 365 link broken'));
  }

  /** Microsoft rotated the refresh token of link `key`: keep the new one sealed (only for that same link). */
  function rotated(key: string, token: string): void {
    const tenantId = key.slice(0, key.lastIndexOf(':'));
    const sealed = deps.secrets.seal(token, microsoftTokenContext(tenantId));
    void deps.store
      .updateLink(tenantId, (l) =>
        l && microsoftLinkKey(tenantId, l) === key ? { ...l, refreshTokenSealed: sealed } : l,
      )
      .catch((err: unknown) => deps.logger.error({ tenantId, err }, 'could not store the rotated Microsoft token'));
  }

  return {
    available: deps.identity !== undefined,
    clearCookie: (): string => deps.binding.clear(),
    markBroken,
    rotated,
    refreshToken,
    limitOf,

    status(tenantId: string): MicrosoftStatus {
      const link = deps.store.link(tenantId);
      const counts = {
        dailyRecipientLimit: limitOf(link),
        recipientsToday: link ? deps.store.quota.sentToday(microsoftLinkKey(tenantId, link), deps.clock()) : 0,
      };
      if (!link) return { status: 'unlinked', ...counts };
      return {
        status: link.broken ? 'broken' : 'linked',
        address: link.address,
        sendAs: [...link.sendAs],
        linkedAt: link.linkedAt,
        ...(link.broken ? { brokenReason: link.broken.reason.replace(/^\d{3} \d\.\d{1,3}\.\d{1,3} /, '') } : {}),
        ...counts,
      };
    },

    async start(tenantId: string, dailyRecipientLimit?: number) {
      const { identity } = configured();
      const state = randomBytes(32).toString('base64url');
      const codeVerifier = randomBytes(32).toString('base64url');
      const now = deps.clock();
      const expiresAt = now + deps.stateTtlMs;
      const limit = dailyRecipientLimit !== undefined ? { dailyRecipientLimit } : {};
      await deps.store.putState(state, { tenantId, expiresAt, codeVerifier, ...limit }, now);
      const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
      return {
        consentUrl: identity.consentUrl(state, challenge),
        expiresAt,
        setCookie: deps.binding.issue(state, deps.stateTtlMs),
      };
    },

    /** The callback: browser binding and state checked before Microsoft is asked anything. */
    async complete(code: string, state: string, cookieHeader: string | undefined) {
      const { identity, graph, tokens } = configured();
      if (!deps.binding.matches(cookieHeader, state))
        throw new GatewayError(
          'E_INVALID',
          'this link was started in another browser (or its cookie expired): start linking again from the ' +
            'settings page, in this browser',
        );
      const pending = await deps.store.takeState(state, deps.clock());
      if (!pending)
        throw new GatewayError(
          'E_INVALID',
          'this link request is unknown, expired or was already used: start linking again from the settings page',
        );
      const set = await identity.exchangeCode(code, pending.codeVerifier, deps.clock());
      const mailbox = await graph.mailbox(set.accessToken);
      const now = deps.clock();
      const sealed = deps.secrets.seal(set.refreshToken, microsoftTokenContext(pending.tenantId));
      const previous = deps.store.link(pending.tenantId);
      if (previous) tokens.forget(microsoftLinkKey(pending.tenantId, previous));
      const limit = pending.dailyRecipientLimit ?? previous?.dailyRecipientLimit;
      await deps.store.updateLink(pending.tenantId, () => ({
        address: mailbox.address,
        userId: mailbox.id,
        refreshTokenSealed: sealed,
        sendAs: mailbox.sendAs,
        linkedAt: now,
        ...(limit !== undefined ? { dailyRecipientLimit: limit } : {}),
      }));
      deps.logger.info({ tenantId: pending.tenantId, sendAs: mailbox.sendAs.length }, 'Microsoft 365 mailbox linked');
      deps.onLinked?.(pending.tenantId);
      return { tenantId: pending.tenantId, address: mailbox.address, sendAs: mailbox.sendAs };
    },

    /** Forgets the link and its cached tokens (Microsoft offers no revoke of a v2 refresh token). */
    async unlink(tenantId: string): Promise<void> {
      const link = deps.store.link(tenantId);
      if (!link) return;
      deps.tokens?.forget(microsoftLinkKey(tenantId, link));
      await deps.store.updateLink(tenantId, () => undefined);
      deps.logger.info({ tenantId }, 'Microsoft 365 link forgotten');
    },

    /** One test message to `to` through Graph now; a dead grant flags the link broken. */
    async testSend(tenantId: string, to: string): Promise<MicrosoftTestResult> {
      const { graph, tokens } = configured();
      const link = deps.store.link(tenantId);
      if (!link) throw new GatewayError('E_CONFLICT', 'no Microsoft 365 mailbox is linked: link one first');
      const now = deps.clock();
      const result = await microsoftTestSend({ graph, tokens, now }, tenantId, link, refreshToken(tenantId, link), to);
      if (result.linkBroken) await markBroken(tenantId, result.summary, microsoftLinkKey(tenantId, link));
      return result;
    },

    /**
     * An access token of the tenant's working link for `scopes` (Graph by default; SMTP XOAUTH2 asks for
     * `https://outlook.office.com/SMTP.Send`). E_CONFLICT when not configured or not linked or broken.
     */
    async accessToken(tenantId: string, scopes: readonly string[] = GRAPH_SCOPES): Promise<string> {
      const { tokens } = configured();
      const link = deps.store.link(tenantId);
      if (!link || link.broken)
        throw new GatewayError('E_CONFLICT', `no working Microsoft 365 link for tenant ${tenantId}`);
      return tokens.accessToken(microsoftLinkKey(tenantId, link), refreshToken(tenantId, link), scopes);
    },
  };
}

export type MicrosoftLinks = ReturnType<typeof createMicrosoftLinks>;

/** What a failed completion means for the tenant who just gave consent: refused (start again) or not reached. */
export function microsoftLinkFailure(
  err: unknown,
  now: number,
): { readonly refused: boolean; readonly reason: string } {
  const failure = classifyMicrosoftError(err, now);
  return { refused: failure.kind !== 'defer', reason: replyLine(failure.reply) };
}
