import { connect, type Socket } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { systemResolver } from '../../../src/transports/smtp/direct-mx.js';
import { createMtaSts } from '../../../src/transports/smtp/mta-sts/mta-sts.js';
import { createTlsOutcomes, type TlsOutcomes } from '../../../src/transports/smtp/tls-report/tls-outcomes.js';
import { silent } from '../../helpers/delivery-harness.js';
import { directTransport, sendTo } from '../../helpers/direct-mx-harness.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { startMtaStsServer, stsPolicy, type MtaStsServer } from '../../helpers/mta-sts-server.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { createTestCa, type TestCa } from '../../helpers/test-ca.js';
import { replyMatching } from '../../helpers/smtp-replies.js';

/**
 * MTA-STS (RFC 8461) in direct delivery: the `_mta-sts` TXT record and the policy, fetched over
 * HTTPS from a local server whose certificate a test CA signed, its name resolved by the test
 * DNS server. Mail hosts stand at loopback addresses: 127.0.0.1 has a certificate of the test
 * CA, 127.0.0.2 a self-signed one, 127.0.0.3 no STARTTLS.
 */
const cleanups: Array<() => Promise<void>> = [];
let ca: TestCa;
let dns: DnsTestServer;
let https: MtaStsServer;
const sinks: Record<string, Sink> = {};

const GOOD = '127.0.0.1';
const SELF_SIGNED = '127.0.0.2';
const PLAIN = '127.0.0.3';

/** A recipient domain: MX `mx.<domain>` at `address`, an STS TXT record with `id`, and the policy on the web server. */
function publish(domain: string, address: string, policy: string | undefined, id = '20260101'): void {
  const mx = `mx.${domain}`;
  dns.set(domain, { MX: [{ exchange: mx, priority: 10 }] });
  dns.set(mx, { A: [address] });
  dns.set(`_mta-sts.${domain}`, { TXT: [[`v=STSv1; id=${id};`]] });
  dns.set(`mta-sts.${domain}`, { A: ['127.0.0.1'] });
  https.policy(`mta-sts.${domain}`, policy);
}

beforeAll(async () => {
  ca = await createTestCa();
  const names = ['enforce', 'testing', 'cache', 'stall', 'fast', 'guarded', 'nomatch', 'kept', 'webpki'].map(
    (d) => `mx.${d}.test`,
  );
  const leaf = await ca.issue(names);
  const own = await generate([{ name: 'commonName', value: 'mx.badcert.test' }], { keyType: 'ec' });
  const web = await ca.issue([
    '*.enforce.test',
    'mta-sts.testing.test',
    'mta-sts.badcert.test',
    'mta-sts.plain.test',
    'mta-sts.cache.test',
    'mta-sts.stall.test',
    'mta-sts.fast.test',
    'mta-sts.guarded.test',
    'mta-sts.nomatch.test',
    'mta-sts.kept.test',
  ]);
  sinks[GOOD] = await startSink({ tls: { key: leaf.key, cert: leaf.cert } });
  sinks[SELF_SIGNED] = await startSink({ tls: { key: own.private, cert: own.cert } });
  sinks[PLAIN] = await startSink();
  dns = await startDnsServer({});
  https = await startMtaStsServer(web);
  cleanups.push(
    () => dns.close(),
    () => https.close(),
    ...Object.values(sinks).map((s) => () => s.close()),
  );
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The sink standing at a loopback address, whichever address the transport dials. */
const dial = (host: string): Socket => connect(sinks[host]!.port, '127.0.0.1');

function transport(extra: { outcomes?: TlsOutcomes; clock?: () => number; timeoutMs?: number; allow?: string[] } = {}) {
  const resolver = systemResolver(dns.address);
  const webGuard = createTargetGuard({ allow: extra.allow ?? ['127.0.0.0/8'], resolver });
  const mtaSts = createMtaSts({
    resolveTxt: (name) => resolver.resolveTxt!(name),
    resolveHost: webGuard.resolve,
    timeoutMs: extra.timeoutMs ?? 2_000,
    ca: [Buffer.from(ca.cert)],
    port: https.port,
    logger: silent,
    ...(extra.clock ? { clock: extra.clock } : {}),
  });
  return directTransport(resolver, 25, cleanups, {
    dial,
    mtaSts,
    tlsCa: [Buffer.from(ca.cert)],
    ...(extra.outcomes ? { tlsOutcomes: extra.outcomes } : {}),
  });
}

const count = (s: Sink, to: string): number => s.messages.filter((m) => m.envelope.to.includes(to)).length;

describe('MTA-STS in enforce mode', () => {
  it('delivers over verified TLS to an MX host the policy names', async () => {
    publish('enforce.test', GOOD, stsPolicy('enforce', ['mx.enforce.test']));
    const result = await sendTo(transport(), 'a@enforce.test');
    expect(result).toMatchObject({ outcome: 'delivered', tls: expect.stringMatching(/certificate verified$/) });
    expect(sinks[GOOD]!.messages.at(-1)?.secure).toBe(true);
  });

  it('defers, never in plain text, when the MX certificate is not valid for its name', async () => {
    publish('badcert.test', SELF_SIGNED, stsPolicy('enforce', ['mx.badcert.test']));
    const result = await sendTo(transport(), 'a@badcert.test');
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/ETLS/) });
    expect(count(sinks[SELF_SIGNED]!, 'a@badcert.test')).toBe(0);
  });

  it('defers when the MX host offers no STARTTLS', async () => {
    publish('plain.test', PLAIN, stsPolicy('enforce', ['mx.plain.test']));
    const result = await sendTo(transport(), 'a@plain.test');
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/mail host does not offer STARTTLS/) });
    expect(count(sinks[PLAIN]!, 'a@plain.test')).toBe(0);
  });

  it('defers when no MX host matches the policy, without connecting', async () => {
    publish('nomatch.test', GOOD, stsPolicy('enforce', ['mail.elsewhere.test', '*.nomatch.test.evil']));
    const result = await sendTo(transport(), 'a@nomatch.test');
    expect(result).toMatchObject({ outcome: 'deferred', reply: replyMatching(/^451 4\.7\.5 .*MTA-STS/) });
    expect(count(sinks[GOOD]!, 'a@nomatch.test')).toBe(0);
  });
});

describe('MTA-STS in testing mode', () => {
  it('delivers over the failing TLS session, and reports the failure', async () => {
    publish('testing.test', SELF_SIGNED, stsPolicy('testing', ['mx.testing.test']));
    const outcomes = createTlsOutcomes();
    const result = await sendTo(transport({ outcomes }), 'a@testing.test');
    expect(result.outcome).toBe('delivered');
    const [counts] = outcomes.drain().get('testing.test') ?? [];
    expect(counts?.policy).toMatchObject({ type: 'sts', mxHosts: ['mx.testing.test'] });
    expect([...counts!.failures.values()]).toEqual([
      {
        detail: { resultType: 'certificate-not-trusted', receivingMx: 'mx.testing.test', receivingIp: SELF_SIGNED },
        count: 1,
      },
    ]);
  });
});

describe('fetching and caching the policy', () => {
  it('fetches once per policy id while max_age lasts, and again when the id changes', async () => {
    publish('cache.test', GOOD, stsPolicy('enforce', ['mx.cache.test']));
    let now = Date.now();
    const t = transport({ clock: () => now });
    const fetched = (): number => https.requests.filter((r) => r.startsWith('mta-sts.cache.test ')).length;
    expect((await sendTo(t, 'a@cache.test')).outcome).toBe('delivered');
    expect((await sendTo(t, 'b@cache.test')).outcome).toBe('delivered');
    expect(fetched()).toBe(1);
    now += 2 * 3600_000; // past the TXT recheck, within max_age: same id, no fetch
    expect((await sendTo(t, 'c@cache.test')).outcome).toBe('delivered');
    expect(fetched()).toBe(1);
    publish('cache.test', GOOD, stsPolicy('enforce', ['mx.other.test']), '20260202');
    now += 2 * 3600_000;
    expect((await sendTo(t, 'd@cache.test')).reply.code).toBe(451); // the new policy names another host
    expect(fetched()).toBe(2);
  });

  it('keeps a cached policy in force when a new one cannot be fetched', async () => {
    publish('kept.test', GOOD, stsPolicy('enforce', ['mx.other.test']));
    let now = Date.now();
    const t = transport({ clock: () => now });
    expect((await sendTo(t, 'a@kept.test')).reply.code).toBe(451); // the policy names another host
    publish('kept.test', GOOD, undefined, '20260303'); // a new id, but the web server answers 404
    now += 2 * 3600_000;
    expect((await sendTo(t, 'b@kept.test')).reply.code).toBe(451);
    expect(https.requests.filter((r) => r.startsWith('mta-sts.kept.test '))).toHaveLength(2);
    expect(count(sinks[GOOD]!, 'b@kept.test')).toBe(0);
  });

  it('reports a policy server whose certificate is not valid for its name, and delivers without a policy', async () => {
    publish('webpki.test', GOOD, stsPolicy('enforce', ['mx.other.test']));
    const outcomes = createTlsOutcomes();
    const result = await sendTo(transport({ outcomes }), 'a@webpki.test');
    expect(result.outcome).toBe('delivered');
    const [counts] = outcomes.drain().get('webpki.test') ?? [];
    expect([...counts!.failures.values()][0]?.detail.resultType).toBe('sts-webpki-invalid');
  });

  it('asks a domain without a policy once, not for every message', async () => {
    dns.set('nopolicy.test', { MX: [{ exchange: 'mx.nopolicy.test', priority: 10 }] });
    dns.set('mx.nopolicy.test', { A: [GOOD] });
    const t = transport();
    for (const to of ['a@nopolicy.test', 'b@nopolicy.test', 'c@nopolicy.test'])
      expect((await sendTo(t, to)).outcome).toBe('delivered');
    expect(dns.queries.filter((q) => q.startsWith('_mta-sts.nopolicy.test '))).toHaveLength(1);
  });

  it('bounds a policy fetch that stalls, without holding up other domains', async () => {
    publish('stall.test', GOOD, stsPolicy('enforce', ['mx.stall.test']));
    publish('fast.test', GOOD, stsPolicy('enforce', ['mx.fast.test']));
    https.stall('mta-sts.stall.test');
    const outcomes = createTlsOutcomes();
    const t = transport({ timeoutMs: 400, outcomes });
    const started = Date.now();
    let fastDone = 0;
    const stalled = sendTo(t, 'a@stall.test');
    const fast = sendTo(t, 'a@fast.test').then((r) => {
      fastDone = Date.now();
      return r;
    });
    expect((await fast).outcome).toBe('delivered');
    const slow = await stalled;
    const slowDone = Date.now();
    expect(fastDone).toBeLessThan(slowDone);
    expect(slowDone - started).toBeGreaterThanOrEqual(350);
    expect(slowDone - started).toBeLessThan(3_000);
    // no policy could be had: delivery goes on opportunistically, the failure is reported
    expect(slow.outcome).toBe('delivered');
    const [counts] = outcomes.drain().get('stall.test') ?? [];
    expect([...counts!.failures.values()][0]?.detail.resultType).toBe('sts-policy-fetch-error');
  });

  it('fetches through the egress guard: a policy host inside the network is never connected to', async () => {
    publish('guarded.test', GOOD, stsPolicy('enforce', ['mx.other.test']));
    const outcomes = createTlsOutcomes();
    const result = await sendTo(transport({ allow: [], outcomes }), 'a@guarded.test');
    expect(https.requests.filter((r) => r.startsWith('mta-sts.guarded.test '))).toEqual([]);
    const [counts] = outcomes.drain().get('guarded.test') ?? [];
    expect([...counts!.failures.values()][0]?.detail.resultType).toBe('sts-policy-fetch-error');
    expect(result.outcome).toBe('delivered'); // no policy known: opportunistic
  });
});
