import { describe, expect, it } from 'vitest';
import { locateHeaderBlock, parseHeaderFields } from '../../../src/mime/index.js';
import { addTraceHeaders, receivedHeader, type TraceInfo } from '../../../src/receive/smtp/trace-headers.js';
import { rfc5322Date } from '../../../src/core/rfc5322-date.js';

const info: TraceInfo = {
  helo: 'invoicing.local',
  clientHostname: '[192.0.2.7]',
  hostname: 'mx.example',
  transmission: 'ESMTPSA',
  queueId: '01JZ0000000000000000000000',
  recipients: ['a@example.com'],
  now: Date.UTC(2025, 0, 2, 3, 4, 5),
};
const DATE = 'Thu, 02 Jan 2025 03:04:05 +0000';
const RECEIVED =
  `Received: from invoicing.local ([192.0.2.7])\r\n\tby mx.example (Postbode) with ESMTPSA id ` +
  `${info.queueId}\r\n\tfor <a@example.com>;\r\n\t${DATE}\r\n`;

function trace(message: string, over: Partial<TraceInfo> = {}) {
  const buf = Buffer.from(message, 'latin1');
  const header = locateHeaderBlock(buf, 1 << 20)!;
  const fields = parseHeaderFields(buf.toString('latin1', 0, header.end));
  const out = addTraceHeaders(buf, header, fields, { ...info, ...over });
  return { text: out.message.toString('latin1'), messageId: out.messageId };
}

describe('trace headers', () => {
  it('formats an RFC 5322 date in UTC with a numeric zone', () => {
    expect(rfc5322Date(info.now)).toBe(DATE);
    expect(rfc5322Date(Date.UTC(2024, 11, 31, 23, 59, 59))).toBe('Tue, 31 Dec 2024 23:59:59 +0000');
  });

  it('names the recipient only when there is exactly one', () => {
    expect(receivedHeader(info)).toBe(RECEIVED);
    expect(receivedHeader({ ...info, recipients: ['a@x.example', 'b@x.example'] })).not.toContain('for <');
    expect(receivedHeader({ ...info, helo: '' })).toContain('from unknown ([192.0.2.7])');
  });

  it('adds Date and Message-ID at the end of the header block, the rest byte-identical', () => {
    const { text, messageId } = trace('Subject: x\r\nFrom: a@b.example\r\n\r\nbody\r\n');
    expect(messageId).toBe(`<${info.queueId}@mx.example>`);
    expect(text).toBe(
      `${RECEIVED}Subject: x\r\nFrom: a@b.example\r\nDate: ${DATE}\r\nMessage-ID: ${messageId}\r\n\r\nbody\r\n`,
    );
  });

  it('detects existing Date and Message-ID case-insensitively and unfolded', () => {
    const msg = 'DATE: Mon, 1 Jan 2024 00:00:00 +0000\r\nmessage-id:\r\n  <x@y.example>\r\n\r\nbody';
    const { text, messageId } = trace(msg);
    expect(text).toBe(RECEIVED + msg);
    expect(messageId).toBe('<x@y.example>');
  });

  it('gives header-less text a header block and a blank line', () => {
    const { text } = trace('plain words\r\n');
    expect(text).toBe(`${RECEIVED}Date: ${DATE}\r\nMessage-ID: <${info.queueId}@mx.example>\r\n\r\nplain words\r\n`);
  });

  it('keeps a leading blank line (empty header block) as the separator', () => {
    expect(trace('\r\nbody').text).toBe(
      `${RECEIVED}Date: ${DATE}\r\nMessage-ID: <${info.queueId}@mx.example>\r\n\r\nbody`,
    );
  });

  it('ends the last line of a headers-only message before adding its own', () => {
    expect(trace('Subject: x').text).toBe(
      `${RECEIVED}Subject: x\r\nDate: ${DATE}\r\nMessage-ID: <${info.queueId}@mx.example>\r\n`,
    );
  });
});
