import { describe, expect, it } from 'vitest';
import {
  NO_CAPABILITIES,
  parseCapabilities,
  type Capabilities,
} from '../../src/transports/smtp/client/capabilities.js';
import { envelopeCommands, envelopeError } from '../../src/transports/smtp/client/envelope-commands.js';
import type { ServerReply } from '../../src/transports/smtp/client/reply-parser.js';

const reply250 = (lines: string[]): ServerReply => ({ code: 250, enhanced: '', text: '', response: '', lines });
const ehlo = (...lines: string[]): ServerReply => reply250(['smtp.test hello', ...lines]);

describe('EHLO capabilities', () => {
  it('reads the keywords our client uses, in any case', () => {
    const caps = parseCapabilities(
      ehlo('pipelining', 'SIZE 35882577', 'STARTTLS', 'AUTH PLAIN LOGIN', 'SMTPUTF8', '8BITMIME'),
    );
    expect(caps).toEqual({
      pipelining: true,
      startTls: true,
      smtpUtf8: true,
      eightBitMime: true,
      size: true,
      maxSize: 35882577,
      auth: new Set(['PLAIN', 'LOGIN']),
    });
  });

  it('knows the old AUTH= form, SIZE without a limit, and ignores the greeting line', () => {
    const caps = parseCapabilities(ehlo('AUTH=LOGIN', 'SIZE'));
    expect(caps.auth).toEqual(new Set(['LOGIN']));
    expect(caps).toMatchObject({ size: true, maxSize: 0, pipelining: false });
    expect(parseCapabilities(reply250(['PIPELINING'])).pipelining).toBe(false);
  });
});

describe('envelope commands', () => {
  const caps = (extra: Partial<Capabilities> = {}): Capabilities => ({ ...NO_CAPABILITIES, ...extra });

  it('writes the null sender as MAIL FROM:<> and one RCPT per recipient', () => {
    expect(envelopeCommands({ from: '', to: ['a@x.test', 'b@y.test'] }, caps(), 10)).toEqual({
      mail: 'MAIL FROM:<>\r\n',
      rcpts: ['RCPT TO:<a@x.test>\r\n', 'RCPT TO:<b@y.test>\r\n'],
    });
  });

  it('announces the size when the server knows SIZE', () => {
    expect(envelopeCommands({ from: 'a@x.test', to: ['b@y.test'] }, caps({ size: true }), 1234).mail).toBe(
      'MAIL FROM:<a@x.test> SIZE=1234\r\n',
    );
  });

  it('announces an 8-bit body as BODY=8BITMIME only when the server offers 8BITMIME', () => {
    const envelope = { from: 'a@x.test', to: ['b@y.test'] };
    expect(envelopeCommands(envelope, caps({ eightBitMime: true, size: true }), 9, true).mail).toBe(
      'MAIL FROM:<a@x.test> BODY=8BITMIME SIZE=9\r\n',
    );
    expect(envelopeCommands(envelope, caps({ eightBitMime: true }), 9, false).mail).toBe('MAIL FROM:<a@x.test>\r\n');
    expect(envelopeCommands(envelope, caps(), 9, true).mail).toBe('MAIL FROM:<a@x.test>\r\n');
  });

  it('uses SMTPUTF8 for international addresses when offered, else sends the domain as its A-label', () => {
    const envelope = { from: 'billing@sender.test', to: ['anna@münchen.test'] };
    const utf8 = envelopeCommands(envelope, caps({ smtpUtf8: true }), 1);
    expect(utf8).toEqual({
      mail: 'MAIL FROM:<billing@sender.test> SMTPUTF8\r\n',
      rcpts: ['RCPT TO:<anna@münchen.test>\r\n'],
    });
    expect(envelopeCommands(envelope, caps(), 1).rcpts).toEqual(['RCPT TO:<anna@xn--mnchen-3ya.test>\r\n']);
  });

  it('refuses addresses that could break out of the command line (EENVELOPE: bounced)', () => {
    expect(envelopeError({ from: 'a@x.test', to: ['b@y.test'] })).toBeUndefined();
    expect(envelopeError({ from: '', to: ['b@y.test'] })).toBeUndefined();
    expect(envelopeError({ from: 'a@x.test>\r\nRCPT TO:<evil@z.test', to: ['b@y.test'] })).toMatchObject({
      code: 'EENVELOPE',
    });
    expect(envelopeError({ from: 'a@x.test', to: ['b@y.test', 'c@y.test\nDATA'] })?.message).toMatch(
      /^Invalid recipient/,
    );
    expect(envelopeError({ from: 'a@x.test', to: [''] })).toMatchObject({ code: 'EENVELOPE' });
  });
});
