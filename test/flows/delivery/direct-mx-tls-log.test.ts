import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directTransport, sendTo, tableResolver, toSink } from '../../helpers/direct-mx-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { createTestCa, type TestCa } from '../../helpers/test-ca.js';

/**
 * Opportunistic TLS toward mail hosts without a policy: delivery goes on whatever the
 * certificate, and each result says how the session was secured (TLS version, cipher,
 * verified or why not), which the message log keeps. HELO follows the address family.
 */
const cleanups: Array<() => Promise<void>> = [];
let ca: TestCa;
let plain: Sink;
let signed: Sink;
let selfSigned: Sink;

beforeAll(async () => {
  ca = await createTestCa();
  const leaf = await ca.issue(['mx.dest.test']);
  const own = await generate([{ name: 'commonName', value: 'mx.dest.test' }], { keyType: 'ec' });
  plain = await startSink({ recordCommands: true });
  signed = await startSink({ tls: { key: leaf.key, cert: leaf.cert } });
  selfSigned = await startSink({ tls: { key: own.private, cert: own.cert } });
  cleanups.push(
    () => plain.close(),
    () => signed.close(),
    () => selfSigned.close(),
  );
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const resolver = tableResolver({ 'dest.test': ['mx.dest.test'] }, { 'mx.dest.test': ['127.0.0.1'] });

describe('opportunistic TLS to mail hosts, recorded per delivery', () => {
  it('records a verified certificate when the chain leads to a trusted root and names the host', async () => {
    const t = directTransport(resolver, signed.port, cleanups, { tlsCa: [Buffer.from(ca.cert)] });
    const result = await sendTo(t, 'a@dest.test');
    expect(result.outcome).toBe('delivered');
    expect(result.tls).toMatch(/^TLSv1\.[23] \S+, certificate verified$/);
    expect(signed.messages.at(-1)?.secure).toBe(true);
  });

  it('delivers over TLS with a self-signed certificate, and records why it was not verified', async () => {
    const t = directTransport(resolver, selfSigned.port, cleanups, { tlsCa: [Buffer.from(ca.cert)] });
    const result = await sendTo(t, 'b@dest.test');
    expect(result.outcome).toBe('delivered');
    expect(result.tls).toMatch(/^TLSv1\.[23] \S+, certificate not verified \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
  });

  it('records a certificate for another name as not verified, and still delivers', async () => {
    const other = directTransport(
      tableResolver({ 'else.test': ['mx.else.test'] }, { 'mx.else.test': ['127.0.0.1'] }),
      signed.port,
      cleanups,
      { tlsCa: [Buffer.from(ca.cert)] },
    );
    const result = await sendTo(other, 'c@else.test');
    expect(result.outcome).toBe('delivered');
    expect(result.tls).toMatch(/certificate not verified \(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
  });

  it('goes on in plain text when no STARTTLS is offered, and says so', async () => {
    const t = directTransport(resolver, plain.port, cleanups);
    const result = await sendTo(t, 'd@dest.test');
    expect(result).toMatchObject({ outcome: 'delivered', tls: 'no TLS: server offers no STARTTLS' });
  });
});

describe('HELO per address family', () => {
  it('greets with the IPv4 name over IPv4 and the IPv6 name over IPv6', async () => {
    const both = tableResolver(
      { 'v4.test': ['mx4.test'], 'v6.test': ['mx6.test'] },
      { 'mx4.test': ['127.0.0.1'] },
      { 'mx6.test': ['::1'] },
    );
    const dialed: string[] = [];
    const t = directTransport(both, 25, cleanups, {
      dial: toSink(plain, dialed),
      sources: { ipv4: { helo: 'out4.postbode.test' }, ipv6: { helo: 'out6.postbode.test' } },
    });
    expect((await sendTo(t, 'a@v4.test')).outcome).toBe('delivered');
    expect((await sendTo(t, 'a@v6.test')).outcome).toBe('delivered');
    expect(dialed).toEqual(['127.0.0.1:25', '::1:25']);
    expect(plain.commands.filter((c) => c.startsWith('EHLO')).slice(-2)).toEqual([
      'EHLO out4.postbode.test',
      'EHLO out6.postbode.test',
    ]);
  });

  it('binds the configured source address of the family', async () => {
    const from: string[] = [];
    const s = await startSink({ onConnect: (session) => void from.push(session.remoteAddress) });
    cleanups.push(() => s.close());
    const t = directTransport(resolver, s.port, cleanups, { sources: { ipv4: { bind: '127.0.0.2' } } });
    expect((await sendTo(t, 'e@dest.test')).outcome).toBe('delivered');
    expect(from).toEqual(['127.0.0.2']);
  });
});
