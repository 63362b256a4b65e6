import type { SmarthostConfig } from '../config/schema.js';
import type { Envelope, Transport } from '../core/types.js';

/**
 * The test-send of a tenant's own SMTP server: one short test invoice through the given
 * settings, answered in plain words. A fresh transport per test (never the delivery cache),
 * closed afterwards.
 */
export type TestSendOutcome = 'sent' | 'auth-failed' | 'tls-failed' | 'connection-refused' | 'timed-out' | 'host-not-found' | 'refused' | 'failed';

export interface TestSendResult {
  readonly ok: boolean;
  readonly outcome: TestSendOutcome;
  /** One sentence for the user, with the server's reply or the error. */
  readonly summary: string;
}

export interface TestSendInput {
  readonly hop: SmarthostConfig;
  readonly from: string;
  readonly to: string;
  readonly hostname: string;
  readonly now: number;
}

export function testInvoice(input: Pick<TestSendInput, 'from' | 'to' | 'hostname' | 'now'>): Buffer {
  return Buffer.from([
    `From: <${input.from}>`,
    `To: <${input.to}>`,
    'Subject: Test invoice from Postbode',
    `Date: ${new Date(input.now).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <test-send-${input.now}@${input.hostname}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This is a test invoice sent by Postbode to check your mail server settings.',
    'Invoice TEST-0001, amount due: 0.00. No action is needed.',
    '',
  ].join('\r\n'));
}

/** The plain-words reading of a delivery reply. */
export function explainReply(delivered: boolean, reply: string): TestSendResult {
  if (delivered) return { ok: true, outcome: 'sent', summary: `sent: the server answered "${reply}"` };
  const rules: Array<[RegExp, TestSendOutcome, string]> = [
    [/^535\b|\bEAUTH\b|authenticat/i, 'auth-failed', 'authentication failed (check user name and password)'],
    [/certificate|self[- ]signed|unable to verify|altnames|CERT_/i, 'tls-failed', 'TLS failed: the server certificate was not accepted'],
    [/protocol version|wrong version|unsupported protocol|no protocols|SSL routines|\bETLS\b|STARTTLS|TLS/i, 'tls-failed', 'TLS failed: no secure connection could be agreed (TLS version or mode)'],
    [/\b(ENOTFOUND|EAI_AGAIN|EAI_NONAME)\b/, 'host-not-found', 'host not found (check the server name)'],
    [/\bECONNREFUSED\b/, 'connection-refused', 'connection refused (check host and port)'],
    [/\bETIMEDOUT\b|timed? ?out/i, 'timed-out', 'timed out (the server did not answer in time)'],
    [/^5\d\d\b/, 'refused', 'the server refused the message'],
  ];
  const [, outcome, words] = rules.find(([pattern]) => pattern.test(reply)) ?? [undefined, 'failed', 'sending failed'];
  return { ok: false, outcome, summary: `${words}: ${reply}` };
}

export async function testSend(input: TestSendInput, create: (hop: SmarthostConfig) => Transport): Promise<TestSendResult> {
  const transport = create({ ...input.hop, maxConnections: 1 });
  try {
    const envelope: Envelope = { from: input.from, to: [input.to] };
    const result = await transport.send(envelope, testInvoice(input), { kind: 'smarthost', name: 'test-send' });
    const first = result.recipients[0];
    if (!first) return { ok: false, outcome: 'failed', summary: 'sending failed: no answer' };
    return explainReply(first.outcome === 'delivered', first.reply);
  } finally {
    await transport.close().catch(() => undefined);
  }
}
