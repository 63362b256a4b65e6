import type { Envelope, Transport } from '../../core/types.js';
import { NO_TLS_FOR_AUTH } from './client/handshake.js';
import type { TenantHopConfig } from './tenant-hop.js';
import type { TestSendOutcome, TestSendResult } from '../../core/test-send-result.js';

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

type Rule = readonly [pattern: RegExp, outcome: TestSendOutcome, words: string];

/** First match wins; the patterns read our own error codes first, the server's reply class last. */
function rules(hop: Pick<TenantHopConfig, 'tls' | 'allowPlaintextAuth'>): Rule[] {
  return [
    [new RegExp(NO_TLS_FOR_AUTH), 'no-tls', NO_TLS_FOR_AUTH],
    [/\bETARGET\b/, 'address-not-allowed', 'refused: address not allowed'],
    [/^535\b|\bEAUTH\b/, 'auth-failed', loginWords(hop)],
    [
      /certificate|self[- ]signed|unable to verify|altnames|CERT_/i,
      'tls-failed',
      'connected, TLS failed: certificate not accepted',
    ],
    [
      /\bETLS\b|protocol version|wrong version|unsupported protocol|no protocols|SSL routines/i,
      'tls-failed',
      'connected, TLS failed: no secure connection could be agreed',
    ],
    [/\b(ENOTFOUND|EAI_AGAIN|EAI_NONAME)\b/, 'host-not-found', 'host not found'],
    [/\bECONNREFUSED\b/, 'connection-refused', 'connection refused'],
    [/\bETIMEDOUT\b/, 'timed-out', 'timed out'],
  ];
}

/** The classified reading of a delivery reply (`reply` as the transport described it). */
export function explainReply(
  delivered: boolean,
  reply: string,
  hop: Pick<TenantHopConfig, 'tls' | 'allowPlaintextAuth'>,
): TestSendResult {
  if (delivered) return { ok: true, outcome: 'sent', summary: 'sent' };
  const rule = rules(hop).find(([pattern]) => pattern.test(reply));
  if (rule) return { ok: false, outcome: rule[1], summary: rule[2] };
  const code = /^([45])\d\d\b/.exec(reply);
  if (code)
    return {
      ok: false,
      outcome: 'refused',
      summary: `connected, message ${code[1] === '5' ? 'refused' : 'deferred'} (${code[0]})`,
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
