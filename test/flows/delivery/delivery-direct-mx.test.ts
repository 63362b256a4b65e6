import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { createDirectMxTransport, type MxResolver } from '../../../src/transports/smtp/direct-mx.js';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { startSink, sinkReply, type Sink, type SinkOptions } from '../../helpers/sink.js';
import {
  dsnMessages,
  enqueueMail,
  planByDomain,
  silent,
  startDelivery,
  statusOf,
  type Harness,
} from '../../helpers/delivery-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';

type Answer = string[] | { code: string };

/** A resolver answering from tables; a missing entry is "no such record" (ENODATA). */
function fakeResolver(tables: {
  mx?: Record<string, Array<{ exchange: string; priority: number }> | { code: string }>;
  a?: Record<string, Answer>;
  aaaa?: Record<string, Answer>;
}): MxResolver {
  const answer = async <T>(value: T | { code: string } | undefined): Promise<T> => {
    if (value === undefined) throw Object.assign(new Error('no data'), { code: 'ENODATA' });
    if (typeof value === 'object' && value !== null && 'code' in value)
      throw Object.assign(new Error(value.code), value);
    return value;
  };
  return {
    resolveMx: (domain) => answer(tables.mx?.[domain]),
    resolve4: (host) => answer(tables.a?.[host]),
    resolve6: (host) => answer(tables.aaaa?.[host]),
  };
}

const cleanups = cleanupAfterEach();

async function sink(options: SinkOptions = {}): Promise<Sink> {
  return cleanups.closing(await startSink(options));
}

function harness(port: number, resolver: MxResolver): Harness {
  const transport = createDirectMxTransport({
    port,
    resolver,
    heloName: 'postbode.test',
    logger: silent,
    connectTimeoutMs: 1_000,
    sendTimeoutMs: 1_000,
    guard: createTargetGuard({ allow: ['127.0.0.0/8', '::1/128'], resolver }),
  });
  const h = startDelivery(transport, { plan: planByDomain(), retryDelayMs: 60_000 });
  cleanups.push(async () => {
    await h.delivery.stop(1_000);
    await transport.close();
  });
  return h;
}

describe('direct MX delivery', () => {
  it('looks up the MX and delivers to it, with opportunistic STARTTLS on a self-signed certificate', async () => {
    const pems = await generate([{ name: 'commonName', value: 'mx1.dest.test' }], { keySize: 2048 });
    const s = await sink({ tls: { key: pems.private, cert: pems.cert } });
    const h = harness(
      s.port,
      fakeResolver({
        mx: { 'dest.test': [{ exchange: 'mx1.dest.test', priority: 10 }] },
        a: { 'mx1.dest.test': ['127.0.0.1'] },
      }),
    );
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'delivered', 5_000, 'delivery');

    expect(statusOf(h.queue, message.id, 'a@dest.test')!.history[0]!.nextHop).toBe(
      `mx1.dest.test[127.0.0.1]:${s.port}`,
    );
    // the message log says how the session was secured, and why the certificate was not verified
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.history[0]!.tls).toMatch(
      /^TLSv1\.[23] \S+, certificate not verified \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
    );
    expect(s.messages[0]).toMatchObject({
      secure: true,
      helo: 'postbode.test',
      envelope: { from: 'billing@sender.test', to: ['a@dest.test'] },
    });
  });

  it('tries MX hosts by preference and moves on when the first one refuses connections', async () => {
    const s = await sink();
    const h = harness(
      s.port,
      fakeResolver({
        // listed out of order on purpose; the sink listens on 127.0.0.1 only, so [::1] refuses
        mx: {
          'dest.test': [
            { exchange: 'backup.dest.test', priority: 20 },
            { exchange: 'primary.dest.test', priority: 10 },
          ],
        },
        aaaa: { 'primary.dest.test': ['::1'] },
        a: { 'backup.dest.test': ['127.0.0.1'] },
      }),
    );
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'delivered', 5_000, 'delivery');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.history[0]!.nextHop).toBe(
      `backup.dest.test[127.0.0.1]:${s.port}`,
    );
    expect(s.messages).toHaveLength(1);
  });

  it('takes a reply from a host as final for the attempt (no fallback to the next MX)', async () => {
    const s = await sink({
      onRcpt: () => {
        throw sinkReply(550, '5.1.1 No such user');
      },
    });
    const h = harness(
      s.port,
      fakeResolver({
        mx: {
          'dest.test': [
            { exchange: 'primary.dest.test', priority: 10 },
            { exchange: 'backup.dest.test', priority: 20 },
          ],
        },
        a: { 'primary.dest.test': ['127.0.0.1'] },
        aaaa: { 'backup.dest.test': ['::1'] },
      }),
    );
    const message = await enqueueMail(h.queue, '', ['gone@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'gone@dest.test')?.status === 'bounced', 5_000, 'bounce');
    expect(statusOf(h.queue, message.id, 'gone@dest.test')!.history[0]).toMatchObject({
      reply: '550 5.1.1 No such user',
      nextHop: `primary.dest.test[127.0.0.1]:${s.port}`,
    });
  });

  it('falls back to the domain A record when there is no MX', async () => {
    const s = await sink();
    const h = harness(s.port, fakeResolver({ a: { 'dest.test': ['127.0.0.1'] } }));
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'delivered', 5_000, 'delivery');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.history[0]!.nextHop).toBe(`dest.test[127.0.0.1]:${s.port}`);
  });

  it('bounces a null MX with 556 5.1.10 and reports it in the DSN', async () => {
    const s = await sink();
    const h = harness(
      s.port,
      fakeResolver({
        mx: {
          'nomail.test': [{ exchange: '', priority: 0 }],
          'sender.test': [{ exchange: 'mx.sender.test', priority: 0 }],
        },
        a: { 'mx.sender.test': ['127.0.0.1'] },
      }),
    );
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@nomail.test']);
    h.delivery.notify();
    await waitFor(() => s.messages.length === 1, 5_000, 'the DSN at the sender domain');

    expect(statusOf(h.queue, message.id, 'a@nomail.test')).toMatchObject({ status: 'bounced' });
    expect(statusOf(h.queue, message.id, 'a@nomail.test')!.lastReply).toMatch(/^556 5\.1\.10 /);
    expect(dsnMessages(h.queue)).toHaveLength(1);
    expect(s.messages[0]!.envelope).toEqual({ from: '', to: ['billing@sender.test'] });
    expect(s.messages[0]!.raw.toString()).toContain('Status: 5.1.10');
  });

  it('defers when every MX host is unreachable', async () => {
    const s = await sink();
    const h = harness(
      s.port,
      fakeResolver({
        mx: { 'dest.test': [{ exchange: 'only.dest.test', priority: 10 }] },
        aaaa: { 'only.dest.test': ['::1'] },
      }),
    );
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@dest.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@dest.test')?.status === 'deferred', 5_000, 'deferral');
    expect(statusOf(h.queue, message.id, 'a@dest.test')!.lastReply).toMatch(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/);
    expect(dsnMessages(h.queue)).toHaveLength(0);
  });
});
