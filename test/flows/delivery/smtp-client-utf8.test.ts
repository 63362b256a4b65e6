import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Envelope, RecipientResult } from '../../../src/core/types.js';
import { replyLine } from '../../../src/core/smtp-reply.js';
import { createSmarthostTransport } from '../../../src/transports/smtp/smarthost.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';
import { startSink, type Sink, type SinkOptions } from '../../helpers/sink.js';

/**
 * SMTPUTF8 (RFC 6531) from our client against smtp-server: asked for when an address or the
 * header block is UTF-8 and the server offers it; toward a server without it, our own clear
 * bounce before MAIL (5.6.7 for an address, 5.6.9 for UTF-8 headers), never a silent send.
 */

const cleanups = cleanupAfterEach();

async function sink(options: SinkOptions = {}): Promise<Sink> {
  const s = await startSink({ recordCommands: true, ...options });
  cleanups.push(() => s.close());
  return s;
}

function send(port: number, envelope: Envelope, raw: Buffer): Promise<readonly RecipientResult[]> {
  const transport = createSmarthostTransport(
    { host: '127.0.0.1', port, tls: 'none', rejectUnauthorized: true, maxConnections: 1 },
    { logger: pino({ level: 'silent' }), connectTimeoutMs: 1_000, sendTimeoutMs: 3_000, heloName: 'postbode.test' },
  );
  cleanups.push(() => transport.close());
  return transport.send(envelope, raw, { kind: 'smarthost', name: 'default' }).then((r) => r.recipients);
}

const ascii: Envelope = { from: 'billing@sender.test', to: ['a@dest.test'] };
/** An internationalised address in a header: no encoded word can carry an addr-spec. */
const utf8Header = Buffer.from('From: Jörg <jörg@sender.test>\r\nSubject: Factuur\r\n\r\nZie bijlage.\r\n', 'utf8');
const mails = (s: Sink): string[] => s.commands.filter((c) => c.startsWith('MAIL'));

describe('SMTPUTF8 from the smtp client', () => {
  it('asks for SMTPUTF8 when only the header block is UTF-8, and the bytes arrive as they were', async () => {
    const s = await sink();
    const [result] = await send(s.port, ascii, utf8Header);
    expect(result?.outcome).toBe('delivered');
    expect(mails(s)).toEqual(['MAIL FROM:<billing@sender.test> BODY=8BITMIME SMTPUTF8']);
    expect(s.messages[0]?.raw.equals(utf8Header)).toBe(true);
  });

  it('bounces UTF-8 headers toward a server without SMTPUTF8 with 5.6.9, before MAIL', async () => {
    const s = await sink({ server: { hideSMTPUTF8: true } });
    const [result] = await send(s.port, ascii, utf8Header);
    expect(result?.outcome).toBe('bounced');
    expect(replyLine(result!.reply)).toMatch(/^550 5\.6\.9 UTF-8 header fields need SMTPUTF8/);
    expect(mails(s)).toEqual([]);
    expect(s.messages).toEqual([]);
  });

  it('bounces a non-ASCII local part without SMTPUTF8 with 5.6.7; a non-ASCII domain goes as its A-label', async () => {
    const s = await sink({ server: { hideSMTPUTF8: true } });
    const plain = Buffer.from('Subject: Factuur\r\n\r\nZie bijlage.\r\n');
    const [refused] = await send(s.port, { from: 'billing@sender.test', to: ['jörg@dest.test'] }, plain);
    expect(refused?.outcome).toBe('bounced');
    expect(replyLine(refused!.reply)).toMatch(/^550 5\.6\.7 Non-ASCII address needs SMTPUTF8/);
    expect(mails(s)).toEqual([]);
    const [labelled] = await send(s.port, { from: 'billing@sender.test', to: ['anna@münchen.test'] }, plain);
    expect(labelled?.outcome).toBe('delivered');
    expect(s.commands).toContain('RCPT TO:<anna@xn--mnchen-3ya.test>');
  });
});
