import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { arrived, queueIdOf } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';

/**
 * The header block is split and joined on the way out (sender identity, hidden headers): the
 * receiving server must get every field the client wrote byte for byte, and no blank line or
 * body the client did not write. The one exception is raw 8-bit header text: it leaves as RFC 2047
 * words (read as Windows-1252 when it is not UTF-8), or receivers would show U+FFFD.
 */
describe('message bytes through Postbode to a receiving server', () => {
  let sink: Sink;
  let gw: TestGateway;
  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestGateway(sink.port, { smtp: { requireVerifiedSender: false } }, { allowedIps: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await gw.stop();
    await sink.close();
  });

  async function relay(rcpt: string, data: string): Promise<string> {
    const { client } = await RawSmtp.open(gw.gateway.smtpPort);
    try {
      await client.command('EHLO legacy.example');
      expect((await client.command('MAIL FROM:<billing@acme.example>')).code).toBe(250);
      expect((await client.command(`RCPT TO:<${rcpt}>`)).code).toBe(250);
      expect((await client.command('DATA')).code).toBe(354);
      client.write(Buffer.from(`${data}.\r\n`, 'latin1'));
      const reply = await client.reply();
      expect(reply.last).toMatch(/^250 2\.0\.0 /);
      await client.command('QUIT');
      const [got] = await arrived(sink, queueIdOf(reply.last));
      return got!.raw.toString('latin1');
    } finally {
      client.close();
    }
  }

  const fields = [
    'From: Boekhouding <billing@acme.example>',
    'Subject: caf\xe9 \xff raw 8-bit',
    `X-Long: ${Array.from({ length: 120 }, (_v, i) => `w${i}`).join('\r\n\t')}`,
    'Date: Mon, 7 Dec 2026 08:00:00 +0000',
    'Message-ID: <bytes-1@acme.example>',
  ];

  /** The bytes without the Subject field (and its folded lines), which is re-encoded on the way. */
  const withoutSubject = (raw: string) => raw.replace(/^Subject: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*/m, '');

  async function expectSubjectAsWords(raw: string): Promise<void> {
    expect(raw).toMatch(/^Subject: [\x20-\x7e]*=\?UTF-8\?/m);
    expect((await simpleParser(Buffer.from(raw, 'latin1'))).subject).toBe('café ÿ raw 8-bit');
  }

  it('a headers-only message arrives without an invented blank line or body', async () => {
    const data = `To: <only@customer.example>\r\n${fields.join('\r\n')}\r\n`;
    const raw = await relay('only@customer.example', data);
    expect(withoutSubject(raw).endsWith(withoutSubject(data))).toBe(true);
    expect(raw).not.toContain('\r\n\r\n');
    await expectSubjectAsWords(raw);
  });

  it('every other field the client wrote (long folded) and the body arrive byte for byte', async () => {
    const data = `To: <body@customer.example>\r\n${fields.join('\r\n')}\r\n\r\nline 1\r\n\r\nline 3\r\n`;
    const raw = await relay('body@customer.example', data);
    expect(withoutSubject(raw).endsWith(withoutSubject(data))).toBe(true);
    await expectSubjectAsWords(raw);
  });
});
