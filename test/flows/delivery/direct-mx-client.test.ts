import { connect, type Socket } from 'node:net';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope, RecipientResult, Route } from '../../../src/core/types.js';
import {
  createDirectMxTransport,
  type DirectMxOptions,
  type MxResolver,
} from '../../../src/transports/smtp/direct-mx.js';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { silent } from '../../helpers/delivery-harness.js';
import { startSink, type Sink, type SinkOptions } from '../../helpers/sink.js';
import { replyMatching } from '../../helpers/smtp-replies.js';

/**
 * Direct MX delivery over the one SMTP client (transports/smtp-client/): a pool per mail host
 * address, opportunistic STARTTLS, and the target guard applied to the address the socket
 * actually goes to. The transport is driven directly, without the queue.
 */
const PUBLIC = '93.184.216.34';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(options: SinkOptions = {}): Promise<Sink> {
  const s = await startSink({ recordCommands: true, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** Answers from a table that a test may change between sends (DNS rebinding). */
function tableResolver(a: Record<string, string[]>, mx: Record<string, string>): MxResolver {
  const none = (): Promise<never> => Promise.reject(Object.assign(new Error('no data'), { code: 'ENODATA' }));
  return {
    resolveMx: async (domain) => (mx[domain] ? [{ exchange: mx[domain]!, priority: 10 }] : none()),
    resolve4: async (host) => a[host] ?? none(),
    resolve6: none,
  };
}

function transport(resolver: MxResolver, port: number, allow: string[], extra: Partial<DirectMxOptions> = {}) {
  const t = createDirectMxTransport({
    port,
    resolver,
    heloName: 'postbode.test',
    logger: silent,
    connectTimeoutMs: 1_000,
    sendTimeoutMs: 3_000,
    guard: createTargetGuard({ allow, resolver }),
    ...extra,
  });
  cleanups.push(() => t.close());
  return t;
}

/** Stands in for a public mail host: records where the client dials, then connects to the local sink. */
function dialer(s: Sink, dialed: string[]): DirectMxOptions['dial'] {
  return (host: string, port: number): Socket => {
    dialed.push(`${host}:${port}`);
    return connect(s.port, '127.0.0.1');
  };
}

const route = (domain: string): Route => ({ kind: 'direct', domain });
const mail = Buffer.from('Subject: Invoice 42\r\n\r\nPlease pay.\r\n');

async function sendTo(t: ReturnType<typeof transport>, to: string): Promise<RecipientResult> {
  const envelope: Envelope = { from: 'billing@sender.test', to: [to] };
  const result = await t.send(envelope, mail, route(to.slice(to.indexOf('@') + 1)));
  return result.recipients[0]!;
}

describe('direct MX over the pooled SMTP client', () => {
  it('carries consecutive messages to one mail host over one connection', async () => {
    const s = await sink();
    const t = transport(
      tableResolver({ 'mx.dest.test': ['127.0.0.1'] }, { 'dest.test': 'mx.dest.test', 'other.test': 'mx.dest.test' }),
      s.port,
      ['127.0.0.0/8'],
    );
    for (const to of ['a@dest.test', 'b@dest.test', 'c@other.test']) {
      expect(await sendTo(t, to)).toMatchObject({
        outcome: 'delivered',
        reply: replyMatching(/^250 /),
        nextHop: `mx.dest.test[127.0.0.1]:${s.port}`,
      });
    }
    expect(s.messages.map((m) => m.envelope.to[0])).toEqual(['a@dest.test', 'b@dest.test', 'c@other.test']);
    expect(s.stats.connections).toBe(1);
    expect(s.commands.filter((c) => c.startsWith('EHLO'))).toEqual(['EHLO postbode.test']);
  });

  it('goes on in plain text when the mail host offers no STARTTLS, and encrypts when it does', async () => {
    const plain = await sink();
    const t = transport(tableResolver({ 'mx.dest.test': ['127.0.0.1'] }, { 'dest.test': 'mx.dest.test' }), plain.port, [
      '127.0.0.0/8',
    ]);
    expect((await sendTo(t, 'a@dest.test')).outcome).toBe('delivered');
    expect(plain.messages[0]!.secure).toBe(false);
    expect(plain.commands.some((c) => c.startsWith('STARTTLS'))).toBe(false);

    const pems = await generate([{ name: 'commonName', value: 'mx.dest.test' }], { keySize: 2048 });
    const tls = await sink({ tls: { key: pems.private, cert: pems.cert } });
    const t2 = transport(tableResolver({ 'mx.dest.test': ['127.0.0.1'] }, { 'dest.test': 'mx.dest.test' }), tls.port, [
      '127.0.0.0/8',
    ]);
    expect((await sendTo(t2, 'a@dest.test')).outcome).toBe('delivered');
    expect(tls.messages[0]!.secure).toBe(true);
  });

  it('connects only to the mail host address the guard allowed, never to one it refused', async () => {
    const s = await sink();
    const dialed: string[] = [];
    const t = transport(
      tableResolver({ 'mx.dest.test': ['127.0.0.1', PUBLIC] }, { 'dest.test': 'mx.dest.test' }),
      25,
      [],
      { dial: dialer(s, dialed) },
    );
    expect(await sendTo(t, 'a@dest.test')).toMatchObject({
      outcome: 'delivered',
      nextHop: `mx.dest.test[${PUBLIC}]:25`,
    });
    expect(dialed).toEqual([`${PUBLIC}:25`]);
  });

  it('never lets a later message ride a pooled connection to a host name that now points inside', async () => {
    const s = await sink();
    const dialed: string[] = [];
    const a = { 'mx.shared.test': [PUBLIC] };
    const t = transport(tableResolver(a, { 'first.test': 'mx.shared.test', 'second.test': 'mx.shared.test' }), 25, [], {
      dial: dialer(s, dialed),
    });
    expect((await sendTo(t, 'a@first.test')).outcome).toBe('delivered');

    // another sender's domain uses the same MX name, whose record was flipped to loopback meanwhile
    a['mx.shared.test'] = ['127.0.0.1'];
    const refused = await sendTo(t, 'b@second.test');
    expect(refused).toMatchObject({
      outcome: 'bounced',
      reply: replyMatching(/^550 5\.4\.4 .*mx\.shared\.test\[127\.0\.0\.1\] is loopback/),
    });
    expect(s.messages.map((m) => m.envelope.to[0])).toEqual(['a@first.test']);
    expect(dialed).toEqual([`${PUBLIC}:25`]);
  });

  it('tries the next mail host when one cannot be reached, but not after a host has answered', async () => {
    const s = await sink({
      onRcpt: (address) => {
        if (address.startsWith('busy')) throw Object.assign(new Error('4.7.1 Later'), { responseCode: 451 });
      },
    });
    const resolver: MxResolver = {
      resolveMx: async () => [
        { exchange: 'down.dest.test', priority: 10 },
        { exchange: 'up.dest.test', priority: 20 },
      ],
      resolve4: async (host) => [host === 'down.dest.test' ? '127.0.0.2' : '127.0.0.1'],
      resolve6: () => Promise.reject(Object.assign(new Error('no data'), { code: 'ENODATA' })),
    };
    // 127.0.0.2 has no listener on the sink's port: connection refused
    const t = transport(resolver, s.port, ['127.0.0.0/8']);
    expect(await sendTo(t, 'a@dest.test')).toMatchObject({
      outcome: 'delivered',
      nextHop: `up.dest.test[127.0.0.1]:${s.port}`,
    });
    expect(await sendTo(t, 'busy@dest.test')).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching('451 4.7.1 Later'),
      nextHop: `up.dest.test[127.0.0.1]:${s.port}`,
    });
  });
});
