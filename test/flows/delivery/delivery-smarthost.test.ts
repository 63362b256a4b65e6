import { createServer } from 'node:net';
import { simpleParser, type Attachment } from 'mailparser';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import type { SmarthostConfig } from '../../../src/config/schema.js';
import type { Transport } from '../../../src/core/types.js';
import { createSmarthostTransport } from '../../../src/transports/smtp/smarthost.js';
import { startSink, sinkReply, type Sink, type SinkOptions } from '../../helpers/sink.js';
import {
  dsnMessages,
  enqueueMail,
  mailBody,
  silent,
  startDelivery,
  statusOf,
  type Harness,
} from '../../helpers/delivery-harness.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';

const SEND_TIMEOUT_MS = 500;
const RETRY_MS = 100;

const cleanups = cleanupAfterEach();

function smarthost(port: number, cfg: Partial<SmarthostConfig> = {}, tlsCa?: Buffer[]): Transport {
  const transport = createSmarthostTransport(
    { host: '127.0.0.1', port, tls: 'none', rejectUnauthorized: true, maxConnections: 5, ...cfg },
    { logger: silent, connectTimeoutMs: 1_000, sendTimeoutMs: SEND_TIMEOUT_MS, ...(tlsCa ? { tlsCa } : {}) },
  );
  cleanups.push(() => transport.close());
  return transport;
}

async function sink(options: SinkOptions = {}): Promise<Sink> {
  const s = await startSink({ recordCommands: true, ...options });
  cleanups.push(() => s.close());
  return s;
}

function harness(port: number, transport: Transport = smarthost(port)): Harness {
  const h = startDelivery(transport, { retryDelayMs: RETRY_MS });
  cleanups.push(() => h.delivery.stop(1_000));
  return h;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

async function parseDsn(h: Harness) {
  const [dsn] = dsnMessages(h.queue);
  expect(dsn).toBeDefined();
  const raw = h.queue.body(dsn!.id)!;
  expect(raw.toString()).toContain('\r\nContent-Type: message/delivery-status\r\n');
  const parsed = await simpleParser(raw);
  const headers = parsed.attachments.find((a: Attachment) => a.contentType === 'text/rfc822-headers');
  // mailparser shows the message/delivery-status part inline, as text after the human part
  return { dsn: dsn!, parsed, status: parsed.text ?? '', headers: headers?.content.toString('utf8') ?? '' };
}

describe('smarthost delivery', () => {
  it('delivers the queued bytes unchanged and sends the null sender as MAIL FROM:<>', async () => {
    const s = await sink();
    const h = harness(s.port);
    const body = mailBody('Bytes', 'x'.repeat(100_000));
    const normal = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    const bounceLike = await enqueueMail(h.queue, '', ['b@dest.test'], body);
    h.delivery.notify();
    await waitFor(() => s.messages.length === 2, 5_000, 'two messages at the sink');
    await waitFor(() => statusOf(h.queue, bounceLike.id, 'b@dest.test')?.status === 'delivered');

    const byRcpt = (rcpt: string) => s.messages.find((m) => m.envelope.to.includes(rcpt))!;
    expect(byRcpt('b@dest.test').raw.equals(body)).toBe(true);
    expect(byRcpt('a@dest.test').raw.equals(mailBody())).toBe(true);
    expect(byRcpt('b@dest.test').envelope.from).toBe('');
    expect(s.commands).toContain('MAIL FROM:<>');
    expect(s.commands).toContain('MAIL FROM:<billing@sender.test>');
    const state = statusOf(h.queue, normal.id, 'a@dest.test')!;
    expect(state.history[0]).toMatchObject({ outcome: 'delivered', nextHop: `127.0.0.1:${s.port}` });
    expect(state.lastReply).toMatch(/^250 /);
    expect(h.metrics.counts.delivered).toBe(2);
  });

  const temporary: Array<[string, (fail: () => boolean) => SinkOptions, RegExp]> = [
    [
      '421 at connect',
      (fail) => ({
        onConnect: () => {
          if (fail()) throw sinkReply(421, '4.3.2 Try again later');
        },
      }),
      /^421 4\.3\.2/,
    ],
    [
      '451 at RCPT',
      (fail) => ({
        onRcpt: () => {
          if (fail()) throw sinkReply(451, '4.7.1 Greylisted');
        },
      }),
      /^451 4\.7\.1/,
    ],
    [
      '452 at RCPT',
      (fail) => ({
        onRcpt: () => {
          if (fail()) throw sinkReply(452, '4.5.3 Too many recipients');
        },
      }),
      /^452 4\.5\.3/,
    ],
    [
      '451 after DATA',
      (fail) => ({
        onData: () => {
          if (fail()) throw sinkReply(451, '4.3.0 Queue trouble');
        },
      }),
      /^451 4\.3\.0/,
    ],
  ];
  it.each(temporary)(
    'defers on %s, retries after the retry delay and delivers once the sink recovers',
    async (_name, options, reply) => {
      let refusals = 1;
      const s = await sink(options(() => refusals-- > 0));
      const h = harness(s.port);
      const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
      h.delivery.notify();
      await waitFor(
        () => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'delivered',
        5_000,
        'delivered after retry',
      );

      const [first, second] = statusOf(h.queue, message.id, 'a@dest.test')!.history;
      expect(first).toMatchObject({ outcome: 'deferred' });
      expect(first!.reply).toMatch(reply);
      expect(second).toMatchObject({ outcome: 'delivered' });
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(RETRY_MS);
      expect(s.messages).toHaveLength(1);
      expect(dsnMessages(h.queue)).toHaveLength(0);
      expect(h.metrics.counts).toMatchObject({ deferred: 1, delivered: 1 });
    },
  );

  it('bounces on 550 at RCPT and queues a DSN with the status, diagnostic and original headers', async () => {
    const s = await sink({
      onRcpt: (address) => {
        if (address === 'gone@dest.test') throw sinkReply(550, '5.1.1 No such user here');
        if (address === 'full@dest.test') throw sinkReply(452, '4.2.2 Mailbox full');
      },
    });
    // the transport's own result: typed replies, each recipient with exactly the codes the sink gave
    const direct = await smarthost(s.port).send(
      { from: 'billing@sender.test', to: ['gone@dest.test', 'full@dest.test'] },
      mailBody(),
      { kind: 'smarthost', name: 'default' },
    );
    expect(direct.recipients.map((r) => [r.outcome, r.reply.code, r.reply.enhanced, r.reply.text])).toEqual([
      ['bounced', 550, '5.1.1', 'No such user here'],
      ['deferred', 452, '4.2.2', 'Mailbox full'],
    ]);

    const h = harness(s.port);
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['gone@dest.test', 'full@dest.test']);
    h.delivery.notify();
    await waitFor(() => dsnMessages(h.queue).length === 1, 5_000, 'a DSN');

    expect(statusOf(h.queue, message.id, 'gone@dest.test')).toMatchObject({
      status: 'bounced',
      lastReply: '550 5.1.1 No such user here',
    });
    // the message log keeps each recipient's own reply, as one line
    const full = statusOf(h.queue, message.id, 'full@dest.test');
    expect(full).toMatchObject({ status: 'deferred', lastReply: '452 4.2.2 Mailbox full' });
    expect(full?.history[0]).toMatchObject({ outcome: 'deferred', reply: '452 4.2.2 Mailbox full' });
    const { dsn, parsed, status, headers } = await parseDsn(h);
    expect(dsn.envelope).toEqual({ from: '', to: ['billing@sender.test'] });
    expect(dsn.tenantId).toBe('tenant-1');
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender');
    expect(status).toContain('Final-Recipient: rfc822; gone@dest.test');
    expect(status).toContain('Status: 5.1.1');
    expect(status).toContain('Diagnostic-Code: smtp; 550 5.1.1 No such user here');
    // the deferred recipient is not in the report: it has not failed yet
    expect(status).not.toContain('full@dest.test');
    expect(status).not.toContain('4.2.2');
    expect(headers).toContain('Subject: Invoice 42');
    expect(h.metrics.counts.bounced).toBe(1);
  });

  it('bounces on 554 after DATA with Status 5.7.1', async () => {
    const s = await sink({
      onData: (raw) => {
        if (raw.includes('Invoice 42')) throw sinkReply(554, '5.7.1 Rejected as spam');
      },
    });
    const h = harness(s.port);
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => dsnMessages(h.queue).length === 1, 5_000, 'a DSN');

    expect(statusOf(h.queue, message.id, 'a@dest.test')?.status).toBe('bounced');
    const { status } = await parseDsn(h);
    expect(status).toContain('Status: 5.7.1');
    expect(status).toContain('Diagnostic-Code: smtp; 554 5.7.1 Rejected as spam');
  });

  it('queues no DSN for a null sender', async () => {
    const s = await sink({
      onRcpt: () => {
        throw sinkReply(550, '5.1.1 No such user');
      },
    });
    const h = harness(s.port);
    const message = await enqueueMail(h.queue, '', ['gone@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'gone@dest.test')?.status === 'bounced');
    await expectNothingFor(50, () => dsnMessages(h.queue).length === 0, 'no DSN to a null sender');
    expect(dsnMessages(h.queue)).toHaveLength(0);
  });

  it('defers when the smarthost refuses connections', async () => {
    const h = harness(await closedPort());
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'deferred');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.lastReply).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+/);
    expect(dsnMessages(h.queue)).toHaveLength(0);
  });

  it('defers when the connection drops in the middle of DATA', async () => {
    const s = await sink({ onDataStart: (_session, control) => control.drop() });
    const h = harness(s.port);
    const message = await enqueueMail(
      h.queue,
      'billing@sender.test',
      ['a@dest.test'],
      mailBody('Big', 'y'.repeat(2_000_000)),
    );
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'deferred');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.lastReply).toMatch(/ECONNECTION|ESOCKET|ECONNRESET|EPIPE/);
    expect(s.messages).toHaveLength(0);
  });

  it('defers after sendTimeoutMs when the server never answers the final dot', async () => {
    const s = await sink({ onData: () => new Promise(() => undefined) });
    const h = harness(s.port);
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    const started = Date.now();
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'deferred', 5_000, 'deferral');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(SEND_TIMEOUT_MS + 1_500);
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.lastReply).toMatch(/ETIMEDOUT|timed out/i);
  });

  it('relays over required STARTTLS with AUTH, trusting the configured CA; a refused login defers', async () => {
    const pems = await generate([{ name: 'commonName', value: 'smarthost.test' }], {
      algorithm: 'sha256',
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const s = await sink({ tls: { key: pems.private, cert: pems.cert }, auth: { user: 'relay', pass: 'right' } });
    const tls = { tls: 'starttls' as const, user: 'relay', pass: 'right' };
    const good = harness(s.port, smarthost(s.port, tls, [Buffer.from(pems.cert)]));
    const ok = await enqueueMail(good.queue, 'billing@sender.test', ['a@dest.test']);
    good.delivery.notify();
    await waitFor(() => statusOf(good.queue, ok.id, 'a@dest.test')?.status === 'delivered', 5_000, 'delivery');
    expect(s.messages[0]!.secure).toBe(true);

    const bad = harness(s.port, smarthost(s.port, { ...tls, pass: 'wrong' }, [Buffer.from(pems.cert)]));
    const refused = await enqueueMail(bad.queue, 'billing@sender.test', ['a@dest.test']);
    bad.delivery.notify();
    await waitFor(() => statusOf(bad.queue, refused.id, 'a@dest.test')?.status === 'deferred', 5_000, 'deferral');
    expect(statusOf(bad.queue, refused.id, 'a@dest.test')!.lastReply).toMatch(/^535 /);
    expect(dsnMessages(bad.queue)).toHaveLength(0);
  });

  it('defers when the smarthost certificate is not trusted', async () => {
    const pems = await generate([{ name: 'commonName', value: 'smarthost.test' }], {
      algorithm: 'sha256',
      keySize: 2048,
    });
    const s = await sink({ tls: { key: pems.private, cert: pems.cert } });
    const h = harness(s.port, smarthost(s.port, { tls: 'starttls' }));
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'deferred', 5_000, 'deferral');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.lastReply).toMatch(/certificate/i);
    expect(s.messages).toHaveLength(0);
  });

  it('keeps per-recipient outcomes when one recipient is accepted and one refused', async () => {
    const s = await sink({
      onRcpt: (address) => {
        if (address === 'gone@dest.test') throw sinkReply(550, '5.1.1 No such user');
      },
    });
    const h = harness(s.port);
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['ok@dest.test', 'gone@dest.test']);
    h.delivery.notify();
    await waitFor(() => dsnMessages(h.queue).length === 1, 5_000, 'a DSN');

    expect(statusOf(h.queue, message.id, 'ok@dest.test')?.status).toBe('delivered');
    expect(statusOf(h.queue, message.id, 'gone@dest.test')?.status).toBe('bounced');
    expect(s.messages[0]!.envelope.to).toEqual(['ok@dest.test']);
    const { status } = await parseDsn(h);
    expect(status).toContain('Final-Recipient: rfc822; gone@dest.test');
    expect(status).not.toContain('ok@dest.test');
    // the DSN itself goes out like any mail, from the null sender
    await waitFor(() => s.messages.length === 2, 5_000, 'the DSN at the sink');
    expect(s.messages[1]!.envelope).toEqual({ from: '', to: ['billing@sender.test'] });
    await waitFor(() => h.metrics.counts.delivered === 2);
    expect(h.metrics.counts).toEqual({ delivered: 2, bounced: 1 });
  });
});
