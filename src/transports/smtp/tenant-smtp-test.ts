import { isPermanent, isTransient, type SmtpReply } from '../../core/smtp-reply.js';
import type { Envelope, Transport } from '../../core/types.js';
import { NO_TLS_FOR_AUTH } from './client/handshake.js';
import type { TenantHopConfig } from './tenant-hop.js';
import type { TestSendResult } from '../../core/test-send-result.js';
import type { AccessTokenAnswer, AccessTokenSource, OAuthProviderName } from '../../core/access-token.js';

export interface TestSendInput {
  readonly hop: TenantHopConfig;
  readonly from: string;
  readonly to: string;
  /**
   * The test invoice, built by the caller (src/pipeline/content/test-invoice.ts): transports know nothing of tenants.
   */
  readonly message: Buffer;
}

/** Whether a refused login happened over TLS: without TLS the login is only tried when the tenant allowed it. */
function loginWords(hop: Pick<TenantHopConfig, 'tls' | 'allowPlaintextAuth'>): string {
  return hop.tls === 'opportunistic' && hop.allowPlaintextAuth === true
    ? 'connected, login refused'
    : 'connected, TLS ok, login refused';
}

type Outcome = Pick<TestSendResult, 'outcome' | 'summary'>;

/** Node's words for a certificate it would not accept, as opposed to a handshake that found no common protocol. */
const CERTIFICATE = /certificate|self[- ]signed|unable to verify|altnames|CERT_/i;

/** A failure of the TLS layer: our client's ETLS, or Node's own code from a TLS-on-connect socket. */
function isTlsFailure(failure: string): boolean {
  return failure === 'ETLS' || /CERT|SSL|TLS/.test(failure);
}

/** A failure that got no reply, by our client's code; the TLS one by Node's words, which the code does not split. */
function failureOutcome(reply: SmtpReply, hop: Pick<TenantHopConfig, 'tls' | 'allowPlaintextAuth'>): Outcome {
  const failure = reply.failure ?? '';
  if (failure === 'EAUTH' && reply.text === NO_TLS_FOR_AUTH) return { outcome: 'no-tls', summary: NO_TLS_FOR_AUTH };
  if (failure === 'ETARGET') return { outcome: 'address-not-allowed', summary: 'refused: address not allowed' };
  if (failure === 'EAUTH') return { outcome: 'auth-failed', summary: loginWords(hop) };
  if (isTlsFailure(failure))
    return CERTIFICATE.test(`${failure} ${reply.text}`)
      ? { outcome: 'tls-failed', summary: 'connected, TLS failed: certificate not accepted' }
      : { outcome: 'tls-failed', summary: 'connected, TLS failed: no secure connection could be agreed' };
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EDNS'].includes(failure))
    return { outcome: 'host-not-found', summary: 'host not found' };
  if (failure === 'ECONNREFUSED') return { outcome: 'connection-refused', summary: 'connection refused' };
  if (failure === 'ETIMEDOUT') return { outcome: 'timed-out', summary: 'timed out' };
  return { outcome: 'failed', summary: 'sending failed' };
}

/** The classified reading of a delivery reply: our failure codes first, a server's reply by its code. */
export function explainReply(
  delivered: boolean,
  reply: SmtpReply,
  hop: Pick<TenantHopConfig, 'tls' | 'allowPlaintextAuth'>,
): TestSendResult {
  if (delivered) return { ok: true, outcome: 'sent', summary: 'sent' };
  if (reply.failure !== undefined) return { ok: false, ...failureOutcome(reply, hop) };
  if (reply.code === 535) return { ok: false, outcome: 'auth-failed', summary: loginWords(hop) };
  if (isTransient(reply) || isPermanent(reply))
    return {
      ok: false,
      outcome: 'refused',
      summary: `connected, message ${isPermanent(reply) ? 'refused' : 'deferred'} (${reply.code})`,
    };
  return { ok: false, outcome: 'failed', summary: 'sending failed' };
}

/**
 * The test-send of a tenant's own SMTP server: one test invoice through the given
 * settings, answered with a short classified outcome. Never the server's own words: the
 * host is the tenant's choice, so echoing its banner or replies would make the test-send a
 * probe of whatever listens there. A fresh transport per test (never the delivery cache),
 * closed afterwards.
 */
export async function testSend(
  input: TestSendInput,
  create: (hop: TenantHopConfig) => Transport,
): Promise<TestSendResult> {
  const transport = create({ ...input.hop, maxConnections: 1 });
  try {
    const envelope: Envelope = { from: input.from, to: [input.to] };
    const result = await transport.send(envelope, input.message, { kind: 'smarthost', name: 'test-send' });
    const first = result.recipients[0];
    if (!first) return { ok: false, outcome: 'failed', summary: 'sending failed: no answer' };
    return explainReply(first.outcome === 'delivered', first.reply, input.hop);
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** Who asks for the token of an XOAUTH2 test-send: the tenant (opaque here) and its provider. */
export interface TokenLogin {
  readonly tokens: AccessTokenSource;
  readonly owner: string;
  readonly provider: OAuthProviderName;
}

/** Our own words for a missing token (the provider's reason, never the server's text). */
function noToken(answer: Extract<AccessTokenAnswer, { ok: false }>): TestSendResult {
  if (answer.problem === 'unavailable') return { ok: false, outcome: 'failed', summary: answer.reason };
  return { ok: false, outcome: answer.problem, summary: answer.reason };
}

/**
 * The test-send of a server that takes an XOAUTH2 login: a token of the tenant's own link, and
 * when the server refuses it, one renewed token and one more try, as a delivery does.
 */
export async function testSendWithToken(
  input: TestSendInput,
  login: TokenLogin,
  create: (hop: TenantHopConfig) => Transport,
): Promise<TestSendResult> {
  const first = await login.tokens(login.owner, login.provider);
  if (!first.ok) return noToken(first);
  const result = await testSend({ ...input, hop: { ...input.hop, accessToken: first.token } }, create);
  if (result.outcome !== 'auth-failed') return result;
  const renewed = await login.tokens(login.owner, login.provider, first.token);
  if (!renewed.ok) return noToken(renewed);
  if (renewed.token === first.token) return result;
  return testSend({ ...input, hop: { ...input.hop, accessToken: renewed.token } }, create);
}
