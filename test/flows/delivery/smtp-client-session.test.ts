import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SmarthostConfig } from '../../../src/config/schema.js';
import type { Envelope, RecipientResult } from '../../../src/core/types.js';
import { createSmarthostTransport } from '../../../src/transports/smtp/smarthost.js';
import type { Credentials } from '../../../src/transports/smtp/client/auth.js';
import { SmtpPool } from '../../../src/transports/smtp/client/pool.js';
import { resultsFromAnswers } from '../../../src/transports/smtp/smtp-results.js';
import { startSink, type Sink, type SinkOptions } from '../../helpers/sink.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';
import { replyMatching } from '../../helpers/smtp-replies.js';

/**
 * The smarthost transport on our client against smtp-server (the sink helper): TLS modes,
 * AUTH mechanisms, a server without PIPELINING, SIZE, and bodies compared byte for byte.
 */

const cleanups = cleanupAfterEach();

let pems: { private: string; cert: string };
beforeAll(async () => {
  pems = await generate([{ name: 'commonName', value: 'smarthost.test' }], {
    algorithm: 'sha256',
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
});

async function sink(options: SinkOptions = {}): Promise<Sink> {
  const s = await startSink({ recordCommands: true, ...options });
  cleanups.push(() => s.close());
  return s;
}

function send(
  port: number,
  envelope: Envelope,
  raw: Buffer,
  cfg: Partial<SmarthostConfig> = {},
  trustCa = true,
): Promise<readonly RecipientResult[]> {
  const transport = createSmarthostTransport(
    { host: '127.0.0.1', port, tls: 'none', rejectUnauthorized: true, maxConnections: 2, ...cfg },
    {
      logger: pino({ level: 'silent' }),
      connectTimeoutMs: 1_000,
      sendTimeoutMs: 3_000,
      heloName: 'postbode.test',
      ...(trustCa ? { tlsCa: [Buffer.from(pems.cert)] } : {}),
    },
  );
  cleanups.push(() => transport.close());
  return transport.send(envelope, raw, { kind: 'smarthost', name: 'default' }).then((r) => r.recipients);
}

const one: Envelope = { from: 'billing@sender.test', to: ['a@dest.test'] };
const mail = Buffer.from('Subject: Invoice 42\r\n\r\n.a line starting with a dot\r\nRegards\r\n');

describe('smtp client sessions', () => {
  it('speaks implicit TLS from the first byte, checking the certificate against the configured CA', async () => {
    const s = await sink({ tls: { key: pems.private, cert: pems.cert, secure: true } });
    const [result] = await send(s.port, one, mail, { tls: 'implicit' });
    expect(result).toMatchObject({
      outcome: 'delivered',
      reply: replyMatching(/^250 /),
      nextHop: `127.0.0.1:${s.port}`,
    });
    expect(s.messages[0]).toMatchObject({ secure: true, helo: 'postbode.test' });
    expect(s.messages[0]!.raw.equals(mail)).toBe(true);
  });

  it('uses STARTTLS opportunistically: encrypted when offered, plain text when not', async () => {
    const offered = await sink({ tls: { key: pems.private, cert: pems.cert } });
    expect((await send(offered.port, one, mail, { tls: 'opportunistic' }))[0]!.outcome).toBe('delivered');
    expect(offered.messages[0]!.secure).toBe(true);
    expect(offered.commands.filter((c) => c.startsWith('EHLO'))).toHaveLength(2);

    const plain = await sink();
    expect((await send(plain.port, one, mail, { tls: 'opportunistic' }))[0]!.outcome).toBe('delivered');
    expect(plain.messages[0]!.secure).toBe(false);
  });

  it('defers when STARTTLS is required but not offered, without sending anything', async () => {
    const s = await sink();
    const [result] = await send(s.port, one, mail, { tls: 'starttls' });
    expect(result).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching('ETLS: smarthost does not offer STARTTLS'),
    });
    expect(s.commands.some((c) => c.startsWith('MAIL'))).toBe(false);
  });

  it('never uses TLS with tls: none, even when offered', async () => {
    const s = await sink({ tls: { key: pems.private, cert: pems.cert } });
    expect((await send(s.port, one, mail, { tls: 'none' }))[0]!.outcome).toBe('delivered');
    expect(s.messages[0]!.secure).toBe(false);
    expect(s.commands).not.toContain('STARTTLS');
  });

  it('logs in with AUTH PLAIN, or AUTH LOGIN when PLAIN is not offered', async () => {
    const creds = { user: 'relay', pass: 'right' };
    const plain = await sink({ auth: creds });
    expect((await send(plain.port, one, mail, { user: 'relay', pass: 'right' }))[0]!.outcome).toBe('delivered');
    expect(plain.commands.some((c) => c.startsWith('AUTH PLAIN'))).toBe(true);

    const login = await sink({ auth: creds, server: { authMethods: ['LOGIN'] } });
    expect((await send(login.port, one, mail, { user: 'relay', pass: 'right' }))[0]!.outcome).toBe('delivered');
    expect(login.commands.some((c) => c.startsWith('AUTH LOGIN'))).toBe(true);
    expect(login.messages).toHaveLength(1);
  });

  it('logs in with AUTH XOAUTH2 given an access token; a wrong token is deferred and sends nothing', async () => {
    const s = await sink({
      server: {
        authMethods: ['XOAUTH2'],
        onAuth: (auth, _session, cb) => {
          if (auth.method === 'XOAUTH2' && auth.username === 'billing@acme.test' && auth.accessToken === 'token-acme')
            cb(null, { user: auth.username });
          else cb(null, { data: { status: '401', schemes: 'bearer' } });
        },
      },
    });
    const viaToken = async (credentials: Credentials) => {
      const pool = new SmtpPool({
        session: {
          endpoint: { host: '127.0.0.1', port: s.port, tls: { rejectUnauthorized: true } },
          security: 'none',
          heloName: 'postbode.test',
          connectTimeoutMs: 1_000,
          credentials,
        },
        maxConnections: 1,
        sendTimeoutMs: 3_000,
        logger: pino({ level: 'silent' }),
        closeGraceMs: 100,
      });
      cleanups.push(() => pool.close());
      return resultsFromAnswers(one.to, await pool.send(one, mail))[0];
    };
    expect(await viaToken({ user: 'billing@acme.test', accessToken: 'token-acme' })).toMatchObject({
      outcome: 'delivered',
    });
    // another account's token for the same user name, and the right token for another user
    expect(await viaToken({ user: 'billing@acme.test', accessToken: 'token-other' })).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/^535 /),
    });
    expect(await viaToken({ user: 'mallory@other.test', accessToken: 'token-acme' })).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/^535 /),
    });
    expect(s.commands.filter((c) => c.startsWith('AUTH XOAUTH2'))).toHaveLength(3);
    expect(s.messages).toHaveLength(1);
    // a password is never offered to a server that only takes tokens
    const [byPassword] = await send(s.port, one, mail, { user: 'billing@acme.test', pass: 'token-acme' });
    expect(byPassword).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/EAUTH: .*neither AUTH PLAIN nor LOGIN/),
    });
  });

  it('defers on a refused login even though the reply is 5xx: our credentials, not the mail', async () => {
    const s = await sink({ auth: { user: 'relay', pass: 'right' } });
    const [result] = await send(s.port, one, mail, { user: 'relay', pass: 'wrong' });
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/^535 /) });
    expect(s.messages).toHaveLength(0);
  });

  it('relays to a server without PIPELINING, with per-recipient outcomes', async () => {
    const s = await sink({
      server: { hidePIPELINING: true },
      onRcpt: (address) => {
        if (address === 'gone@dest.test') throw Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 });
      },
    });
    const to = ['a@dest.test', 'gone@dest.test', 'b@dest.test'];
    const results = await send(s.port, { from: '', to }, mail);
    expect(results.map((r) => r.outcome)).toEqual(['delivered', 'bounced', 'delivered']);
    expect(s.commands.filter((c) => /^(MAIL|RCPT|DATA)/.test(c))).toEqual([
      'MAIL FROM:<>',
      'RCPT TO:<a@dest.test>',
      'RCPT TO:<gone@dest.test>',
      'RCPT TO:<b@dest.test>',
      'DATA',
    ]);
    expect(s.messages[0]!.envelope.to).toEqual(['a@dest.test', 'b@dest.test']);
  });

  it('bounces a message over the announced SIZE without sending it, and announces the size otherwise', async () => {
    const s = await sink({ server: { size: 1_000 } });
    const [big] = await send(s.port, one, Buffer.alloc(2_000, 'x'));
    expect(big).toMatchObject({ outcome: 'bounced', reply: replyMatching(/^552 5\.3\.4 /) });
    expect(s.commands.some((c) => c.startsWith('MAIL'))).toBe(false);

    const [small] = await send(s.port, one, mail);
    expect(small!.outcome).toBe('delivered');
    expect(s.commands).toContain(`MAIL FROM:<billing@sender.test> SIZE=${mail.length}`);
  });
});

describe('smtp client bodies through smtp-server', () => {
  it('announces an 8-bit body as BODY=8BITMIME when offered, and keeps its bytes', async () => {
    const eightBit = Buffer.from(
      'Subject: Factuur\r\nContent-Transfer-Encoding: 8bit\r\n\r\nBedrag: € 42, één factuur\r\n',
    );
    const s = await sink();
    expect((await send(s.port, one, eightBit))[0]!.outcome).toBe('delivered');
    expect((await send(s.port, one, mail))[0]!.outcome).toBe('delivered');
    expect(s.commands.filter((c) => c.startsWith('MAIL'))).toEqual([
      'MAIL FROM:<billing@sender.test> BODY=8BITMIME',
      'MAIL FROM:<billing@sender.test>',
    ]);
    expect(s.messages[0]!.raw.equals(eightBit)).toBe(true);

    const old = await sink({ server: { hide8BITMIME: true } });
    expect((await send(old.port, one, eightBit))[0]!.outcome).toBe('delivered');
    expect(old.commands.find((c) => c.startsWith('MAIL'))).toBe('MAIL FROM:<billing@sender.test>');
  });

  it('delivers 100 KB of CRLF text full of dot lines byte for byte', async () => {
    const lines = Array.from(
      { length: 1_400 },
      (_, i) => `${i % 7 === 0 ? '.' : ''}${i % 11 === 0 ? '..' : ''}${randomBytes(27).toString('base64')}`,
    );
    const raw = Buffer.from(`Subject: dots\r\n\r\n.\r\n${lines.join('\r\n')}\r\n.\r\n`);
    expect(raw.length).toBeGreaterThan(50_000);
    const s = await sink();
    expect((await send(s.port, one, raw))[0]!.outcome).toBe('delivered');
    expect(s.messages[0]!.raw.equals(raw)).toBe(true);
  });

  it('delivers 100 KB of random bytes with every bare CR and LF turned into CRLF, nothing else changed', async () => {
    const raw = randomBytes(100_000);
    const s = await sink();
    expect((await send(s.port, one, raw))[0]!.outcome).toBe('delivered');
    const normalised = raw.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
    const expected = /\r\n$/.test(normalised) ? normalised : `${normalised}\r\n`;
    expect(s.messages[0]!.raw.toString('latin1') === expected).toBe(true);
  });

  it('sends a body without a final line break with CRLF.CRLF after it', async () => {
    const s = await sink();
    expect((await send(s.port, one, Buffer.from('Subject: x\r\n\r\nno line end')))[0]!.outcome).toBe('delivered');
    expect(s.messages[0]!.raw.toString()).toBe('Subject: x\r\n\r\nno line end\r\n');
  });
});
