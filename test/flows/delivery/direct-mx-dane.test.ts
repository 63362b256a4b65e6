import { createHash, X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedTlsa } from '../../../src/transports/smtp/dane/tlsa-cache.js';
import { lookupTlsa } from '../../../src/transports/smtp/dane/tlsa-lookup.js';
import { systemResolver } from '../../../src/transports/smtp/direct-mx.js';
import { directTransport, sendTo } from '../../helpers/direct-mx-harness.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { replyMatching } from '../../helpers/smtp-replies.js';
import { createTestCa, type TestCa } from '../../helpers/test-ca.js';

/**
 * DANE for SMTP (RFC 7672): TLSA records of `_25._tcp.<mx>` from the test DNS server, which
 * sets the AD bit for names in a "signed" zone as a validating resolver would. A match lets
 * the session go on whatever the web PKI says; a mismatch defers and never falls back to plain
 * text; an answer without AD is not believed.
 */
const cleanups: Array<() => Promise<void>> = [];
let dns: DnsTestServer;
let ca: TestCa;
let selfSigned: { cert: string; key: string };
let own: Sink;
let chained: Sink;
let plain: Sink;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const spkiHash = (pem: string): string =>
  sha256(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }));
const certHash = (pem: string): string => sha256(new X509Certificate(pem).raw);

beforeAll(async () => {
  ca = await createTestCa('DANE Test Anchor');
  const leaf = await ca.issue(['mx.ta.test']);
  const pems = await generate([{ name: 'commonName', value: 'mx.ee.test' }], { keyType: 'ec' });
  selfSigned = { cert: pems.cert, key: pems.private };
  own = await startSink({ tls: selfSigned });
  // the server presents its chain: leaf, then the anchor
  chained = await startSink({ tls: { key: leaf.key, cert: `${leaf.cert}\n${ca.cert}` } });
  plain = await startSink();
  dns = await startDnsServer({});
  cleanups.push(
    () => dns.close(),
    () => own.close(),
    () => chained.close(),
    () => plain.close(),
  );
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Tlsa = { usage: number; selector: number; matchingType: number; data: string };

function publish(domain: string, tlsa: Tlsa[] | 'servfail', ad = true): void {
  const mx = `mx.${domain}`;
  dns.set(domain, { MX: [{ exchange: mx, priority: 10 }] });
  dns.set(mx, { A: ['127.0.0.1'] });
  dns.set(`_25._tcp.${mx}`, tlsa === 'servfail' ? { servfail: true } : { TLSA: tlsa, ad });
}

function transport(port: number) {
  const tlsa = (mx: string) => lookupTlsa(mx, { server: dns.address, timeoutMs: 1_000 });
  return directTransport(systemResolver(dns.address), port, cleanups, { tlsa });
}

const received = (s: Sink, to: string): number => s.messages.filter((m) => m.envelope.to.includes(to)).length;

describe('DANE-EE (usage 3)', () => {
  it('delivers to a self-signed server whose key the TLSA record pins, and logs the match', async () => {
    publish('ee.test', [{ usage: 3, selector: 1, matchingType: 1, data: spkiHash(selfSigned.cert) }]);
    const result = await sendTo(transport(own.port), 'a@ee.test');
    expect(result).toMatchObject({ outcome: 'delivered', tls: expect.stringMatching(/matches TLSA \(DANE\)$/) });
  });

  it('defers when the presented certificate matches no record, and sends nothing', async () => {
    publish('eebad.test', [{ usage: 3, selector: 0, matchingType: 1, data: 'ab'.repeat(32) }]);
    const result = await sendTo(transport(own.port), 'a@eebad.test');
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/ETLS: DANE: no TLSA record/) });
    expect(received(own, 'a@eebad.test')).toBe(0);
  });

  it('never falls back to plain text when the server offers no STARTTLS', async () => {
    publish('eeplain.test', [{ usage: 3, selector: 1, matchingType: 1, data: spkiHash(selfSigned.cert) }]);
    const result = await sendTo(transport(plain.port), 'a@eeplain.test');
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/does not offer STARTTLS/) });
    expect(received(plain, 'a@eeplain.test')).toBe(0);
  });
});

describe('DANE-TA (usage 2)', () => {
  it('delivers when the chain leads to the pinned anchor and the leaf names the MX host', async () => {
    publish('ta.test', [{ usage: 2, selector: 0, matchingType: 1, data: certHash(ca.cert) }]);
    expect((await sendTo(transport(chained.port), 'a@ta.test')).outcome).toBe('delivered');
  });

  it('defers when the leaf under the anchor names another host', async () => {
    publish('taname.test', [{ usage: 2, selector: 0, matchingType: 1, data: certHash(ca.cert) }]);
    const result = await sendTo(transport(chained.port), 'a@taname.test');
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/DANE/) });
    expect(received(chained, 'a@taname.test')).toBe(0);
  });
});

describe('lookups', () => {
  it('asks for the TLSA records of a mail host once per TTL, not once per message', async () => {
    publish('cached.test', [{ usage: 3, selector: 1, matchingType: 1, data: spkiHash(selfSigned.cert) }]);
    const tlsa = cachedTlsa((mx) => lookupTlsa(mx, { server: dns.address, timeoutMs: 1_000 }));
    const t = directTransport(systemResolver(dns.address), own.port, cleanups, { tlsa });
    for (const to of ['a@cached.test', 'b@cached.test', 'c@cached.test'])
      expect((await sendTo(t, to)).outcome).toBe('delivered');
    expect(dns.queries.filter((q) => q.startsWith('_25._tcp.mx.cached.test '))).toHaveLength(1);
  });
});

describe('what is believed', () => {
  it('ignores TLSA records in an answer without the AD bit (not validated)', async () => {
    publish('unsigned.test', [{ usage: 3, selector: 0, matchingType: 1, data: 'ab'.repeat(32) }], false);
    const result = await sendTo(transport(own.port), 'a@unsigned.test');
    expect(result).toMatchObject({ outcome: 'delivered', tls: expect.stringMatching(/certificate not verified/) });
  });

  it('bounds a TLSA lookup the resolver never answers, and defers', async () => {
    publish('silent.test', []);
    dns.set('_25._tcp.mx.silent.test', { drop: true });
    const started = Date.now();
    const result = await sendTo(transport(own.port), 'a@silent.test');
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/no answer within 1000 ms/) });
    expect(received(own, 'a@silent.test')).toBe(0);
  });

  it('defers when the TLSA lookup fails, rather than deliver without the check', async () => {
    publish('broken.test', 'servfail');
    const result = await sendTo(transport(own.port), 'a@broken.test');
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/TLSA lookup/) });
    expect(received(own, 'a@broken.test')).toBe(0);
  });
});
