import { describe, expect, it } from 'vitest';
import { hasBareLineEnding } from '../../../src/mime/line-endings.js';
import { processMessage } from '../../../src/receive/smtp/process-message.js';
import type { TraceInfo } from '../../../src/receive/smtp/trace-headers.js';

const trace: TraceInfo = {
  helo: 'client.test',
  clientHostname: '[127.0.0.1]',
  hostname: 'mx.example',
  transmission: 'ESMTPA',
  queueId: '01JZ0000000000000000000000',
  recipients: ['a@example.com'],
  now: 0,
};

/** A typical invoice mail: text, HTML alternative and a base64 PDF, about 100 KB. */
function invoiceMessage(): Buffer {
  const pdf = Buffer.alloc(70 * 1024, 7)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: "Acme Billing" <billing@acme.example>',
      'To: customer@example.com',
      'Subject: Invoice 2025-0042',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Dear customer, please find the invoice attached.',
      '',
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Dear customer, please find the invoice attached.</p>',
      '',
      '--alt--',
      '',
      '--outer',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="invoice.pdf"',
      '',
      pdf,
      '--outer--',
      '',
    ].join('\r\n'),
  );
}

describe('processMessage', () => {
  it('refuses a NUL byte before anything else', () => {
    const r = processMessage(Buffer.from('Subject: x\r\nbroken header\r\n\r\n\0'), trace);
    expect(r).toMatchObject({ kind: 'refuse', reason: 'nul', reply: { code: 550, enhanced: '5.6.0' } });
  });

  it('normalises line endings before the structure check, so a bare-LF message is accepted', () => {
    const r = processMessage(Buffer.from('Subject: hi\nX-A: 1\n\nbody\n'), trace);
    expect(r.kind).toBe('accept');
    if (r.kind === 'accept') expect(hasBareLineEnding(r.message)).toBe(false);
  });

  it('refuses malformed structure with 554 5.6.0 and the reason', () => {
    const r = processMessage(Buffer.from('Subject: x\r\nnope\r\n\r\n'), trace);
    expect(r).toMatchObject({
      kind: 'refuse',
      reason: 'malformed',
      reply: { code: 554, enhanced: '5.6.0', text: 'Malformed message: bad header line 2' },
    });
  });

  it('returns the stored Message-ID and the raw Subject, 8-bit read as UTF-8 and capped at 998', () => {
    const r = processMessage(Buffer.from('Subject:  Factuur – €12 \r\n\r\nx'), trace);
    expect(r).toMatchObject({ kind: 'accept', subject: 'Factuur – €12', messageId: `<${trace.queueId}@mx.example>` });
    const long = processMessage(Buffer.from(`Subject: ${'s'.repeat(2000)}\r\n\r\nx`), trace);
    expect(long.kind === 'accept' && long.subject?.length).toBe(998);
    const none = processMessage(Buffer.from('X: y\r\n\r\nx'), trace);
    expect(none.kind === 'accept' && 'subject' in none).toBe(false);
  });

  it('costs well under 2 ms for a 100 KB MIME message with a base64 attachment', () => {
    const message = invoiceMessage();
    expect(message.length).toBeGreaterThan(95_000);
    expect(processMessage(message, trace).kind).toBe('accept');
    const rounds = 1000;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) processMessage(message, trace);
    const microsPerMessage = ((performance.now() - started) * 1000) / rounds;
    console.log(`processMessage: ${microsPerMessage.toFixed(1)} µs per ${message.length}-byte message`);
    expect(microsPerMessage).toBeLessThan(2000);
  });
});
