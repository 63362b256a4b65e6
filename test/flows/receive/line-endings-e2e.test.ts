import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';

/**
 * SMTP smuggling end to end: whatever line-ending trick a client uses, the receiving server
 * gets exactly one message per transaction, with CRLF line endings only, and the smuggled
 * commands arrive as content, never as a second message.
 */
describe('line-ending variants through Postbode to a receiving server', () => {
  let sink: Sink;
  let gw: TestGateway;
  beforeAll(async () => {
    sink = await startSink();
    // A plain relay (no platform domain, any From): what these tests check is not sender ownership
    // (test/flows/sender/sender-guard.test.ts).
    gw = await startTestGateway(sink.port, { smtp: { requireVerifiedSender: false } }, { allowedIps: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await gw.stop();
    await sink.close();
  });

  const smuggled =
    'MAIL FROM:<smuggler@evil.example>\r\nRCPT TO:<victim@bank.example>\r\nDATA\r\nFrom: ' +
    'ceo@bank.example\r\n\r\nsmuggled\r\n.\r\n';
  const variants: Array<[string, string]> = [
    ['LF.LF', '\n.\n'],
    ['CR.CR', '\r.\r'],
    ['CRLF.LF', '\r\n.\n'],
    ['LF.CRLF', '\n.\r\n'],
    ['LF..CRLF', '\n..\r\n'],
    ['CR.CRLF', '\r.\r\n'],
    ['CRLF.CR', '\r\n.\r'],
  ];

  it.each(variants)('%s: one message arrives, CRLF only, smuggled commands stay content', async (name, terminator) => {
    const rcpt = `${name.replace(/\./g, '-').toLowerCase()}@customer.example`;
    const { client } = await RawSmtp.open(gw.gateway.smtpPort);
    await client.command('EHLO legacy.example');
    expect((await client.command('MAIL FROM:<billing@acme.example>')).code).toBe(250);
    expect((await client.command(`RCPT TO:<${rcpt}>`)).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(354);
    client.write(`Subject: variant ${name}\r\n\r\nline one${terminator}${smuggled}`);
    expect((await client.reply()).last).toMatch(/^250 2\.0\.0 Ok: queued as/);
    expect((await client.command('QUIT')).code).toBe(221);

    const mine = () => sink.messages.filter((m) => m.envelope.to.includes(rcpt));
    await waitFor(() => mine().length > 0, 10_000, `the message to ${rcpt}`);
    // A smuggled second message would arrive right after.
    await expectNothingFor(
      100,
      () => mine().length === 1 && !sink.messages.some((m) => m.envelope.from === 'smuggler@evil.example'),
      'no smuggled message',
    );
    expect(mine()).toHaveLength(1);
    expect(sink.messages.some((m) => m.envelope.from === 'smuggler@evil.example')).toBe(false);
    const raw = mine()[0]!.raw.toString('latin1');
    expect(raw).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
    expect(raw).toContain('MAIL FROM:<smuggler@evil.example>\r\nRCPT TO:<victim@bank.example>\r\n');
  });

  it('rejects NUL bytes with 550 5.6.0 and keeps serving', async () => {
    const { client } = await RawSmtp.open(gw.gateway.smtpPort);
    await client.command('EHLO legacy.example');
    await client.command('MAIL FROM:<billing@acme.example>');
    await client.command('RCPT TO:<nul@customer.example>');
    await client.command('DATA');
    client.write('Subject: nul\r\n\r\nbad \0 byte\r\n.\r\n');
    expect((await client.reply()).last).toMatch(/^550 5\.6\.0/);
    expect((await client.command('MAIL FROM:<billing@acme.example>')).code).toBe(250);
    await client.command('QUIT');
  });
});
