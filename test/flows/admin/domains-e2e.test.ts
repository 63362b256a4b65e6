import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDkimKey } from '../../../src/mailauth/keys.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import {
  api,
  arrived,
  headerOf,
  legacyClient,
  PLATFORM,
  queueIdOf,
  type ApiAnswer,
} from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { publish, startDomainGateway, verifyAt, type PublishableRecord } from '../../helpers/domains-harness.js';

interface CheckView {
  record: string;
  status: string;
  problem: string | null;
  advice: string;
  selector?: string;
}
interface DomainBody {
  domain: string;
  status: string;
  failingReason?: string;
  selectors: Array<{ selector: string; state: string; algorithm: string; retireAfter?: number }>;
  records: PublishableRecord[];
  lastCheck?: { records: CheckView[] };
}

const SPF_INCLUDE = `_spf.${PLATFORM.sendingDomain}`;

describe('domains end to end: add, check and activate, DKIM signing, failing, rotation', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  let gw: TestGateway;
  const answers: ApiAnswer[] = [];

  async function call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const answer = await api(gw, method, path, body);
    answers.push(answer);
    return answer;
  }
  const domains = () => `/tenants/${gw.tenantId}/domains`;
  async function sender(settings: Record<string, unknown>): Promise<void> {
    expect((await call('PUT', `/tenants/${gw.tenantId}/sender`, settings)).status).toBe(200);
  }
  async function send(): Promise<{ id: string; raw: Buffer }> {
    const info = await legacyClient(gw).sendMail({
      from: 'billing@legacy.test',
      to: 'jan@customer.test',
      subject: 'Factuur 2026-0042',
      text: 'Beste Jan,\nIn de bijlage de factuur.\n',
    });
    const id = queueIdOf(info.response);
    const [got] = await arrived(sink, id);
    return { id, raw: got!.raw };
  }

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ [SPF_INCLUDE]: { TXT: [['v=spf1 ip4:127.0.0.1 -all']] } });
    gw = await startDomainGateway(sink.port, dns, 150);
  });
  afterAll(async () => {
    await gw?.stop();
    await dns?.close();
    await sink?.close();
  });

  it('adds a domain: DKIM record, SPF merged with the record already there, DMARC proposal', async () => {
    dns.set('acme.test', { TXT: [['v=spf1 include:mail.provider.test ~all'], ['google-site-verification=abc']] });
    const added = await call('POST', domains(), { domain: 'Acme.TEST' });
    expect(added.status).toBe(201);
    const body = added.body as unknown as DomainBody;
    expect(body.domain).toBe('acme.test');
    expect(body.status).toBe('pending');
    expect(body.selectors).toEqual([
      expect.objectContaining({ selector: expect.stringMatching(/^pb\d{6}$/), algorithm: 'rsa', state: 'pending' }),
    ]);
    const dkim = body.records.find((r) => r.name.endsWith('._domainkey.acme.test'));
    expect(dkim?.valueChunks.join('')).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    const spf = body.records.find((r) => r.name === 'acme.test') as PublishableRecord & { value: string };
    expect(spf.action).toBe('replace');
    expect(spf.value).toBe(`v=spf1 include:mail.provider.test include:${SPF_INCLUDE} ~all`);
    expect(body.records.find((r) => r.name === '_dmarc.acme.test')).toMatchObject({
      action: 'create',
      // Reports go to the platform's report address, which the inbound MX takes (src/feedback/reports/).
      value: 'v=DMARC1; p=none; rua=mailto:dmarc-reports@send.postbode.test',
    });
  });

  it(
    'check with nothing published: missing, with advice; a wrong key: wrong; own-address mail still goes in ' +
      'forwarding mode',
    async () => {
      dns.set('acme.test', undefined);
      const first = (await call('POST', `${domains()}/acme.test/check`)).body as unknown as DomainBody;
      expect(first.status).toBe('pending');
      const dkim = first.lastCheck!.records.find((r) => r.record === 'dkim')!;
      expect(dkim.status).toBe('missing');
      expect(dkim.advice.length).toBeGreaterThan(20);
      expect(first.lastCheck!.records.find((r) => r.record === 'spf')!.status).toBe('missing');

      const other = await generateDkimKey('rsa');
      dns.set(`${first.selectors[0]!.selector}._domainkey.acme.test`, {
        TXT: [[`v=DKIM1; k=rsa; p=${other.publicKeyDnsValue.slice(0, 200)}`, other.publicKeyDnsValue.slice(200)]],
      });
      const second = (await call('POST', `${domains()}/acme.test/check`)).body as unknown as DomainBody;
      expect(second.status).toBe('pending');
      expect(second.lastCheck!.records.find((r) => r.record === 'dkim')).toMatchObject({
        status: 'wrong',
        problem: 'key-mismatch',
      });

      await sender({ mode: 'own-address', ownAddress: 'facturen@acme.test' });
      const { raw } = await send();
      expect(headerOf(raw, 'From')[0]).toContain(`@${PLATFORM.sendingDomain}`);
    },
  );

  it(
    'correct records: active; own-address mail leaves From the tenant address, signed d=acme.test, verified; a ' +
      'changed body byte fails',
    async () => {
      const added = (await call('GET', `${domains()}/acme.test`)).body as unknown as DomainBody;
      publish(dns, added.records);
      const checked = (await call('POST', `${domains()}/acme.test/check`)).body as unknown as DomainBody;
      // The bounce host's CNAME is optional: reported, never in the way of activation.
      expect(
        checked.lastCheck!.records.filter((r) => r.record !== 'dmarc').map((r) => `${r.record} ${r.status}`),
      ).toEqual(['dkim ok', 'spf ok', 'return-path missing']);
      expect(checked.status).toBe('active');

      const { raw } = await send();
      expect(headerOf(raw, 'From')[0]).toContain('<facturen@acme.test>');
      const results = await verifyAt(dns, raw);
      expect(results).toEqual([
        expect.objectContaining({
          domain: 'acme.test',
          selector: checked.selectors[0]!.selector,
          algo: 'rsa-sha256',
          status: 'pass',
        }),
      ]);

      const tampered = Buffer.from(raw);
      const at = tampered.indexOf('factuur.');
      tampered[at] = 'F'.charCodeAt(0);
      // mailauth reports a body hash mismatch as "neutral" with this comment: not a pass.
      expect(await verifyAt(dns, tampered)).toEqual([
        expect.objectContaining({ status: 'neutral', comment: 'body hash did not verify' }),
      ]);
      const header = Buffer.from(
        raw.toString('latin1').replace('Subject: Factuur 2026-0042', 'Subject: Factuur 2026-0043'),
        'latin1',
      );
      expect((await verifyAt(dns, header))[0]?.status).toBe('fail');
    },
  );

  it('forwarding mode is signed with the platform key (d = platform domain), verified', async () => {
    await sender({ mode: 'forwarding' });
    const { raw } = await send();
    expect(headerOf(raw, 'From')[0]).toContain(`@${PLATFORM.sendingDomain}`);
    const results = await verifyAt(dns, raw);
    expect(results).toEqual([
      expect.objectContaining({ domain: PLATFORM.sendingDomain, algo: 'rsa-sha256', status: 'pass' }),
    ]);
  });

  it('rsa+ed25519: two signatures, both verified', async () => {
    const added = (await call('POST', domains(), { domain: 'duo.test', algorithm: 'rsa+ed25519' }))
      .body as unknown as DomainBody;
    expect(added.selectors.map((s) => s.algorithm)).toEqual(['rsa', 'ed25519']);
    publish(dns, added.records);
    expect(((await call('POST', `${domains()}/duo.test/check`)).body as unknown as DomainBody).status).toBe('active');
    await sender({ mode: 'own-address', ownAddress: 'facturen@duo.test' });
    const { raw } = await send();
    const results = await verifyAt(dns, raw);
    expect(results.map((r) => [r.domain, r.algo, r.status]).sort()).toEqual([
      ['duo.test', 'ed25519-sha256', 'pass'],
      ['duo.test', 'rsa-sha256', 'pass'],
    ]);
  });

  it(
    'records vanish: the re-check marks the domain failing, the next message leaves in forwarding mode and the log ' +
      'says why; back when they return',
    async () => {
      await sender({ mode: 'own-address', ownAddress: 'facturen@acme.test' });
      const before = (await call('GET', `${domains()}/acme.test`)).body as unknown as DomainBody;
      const dkimName = `${before.selectors[0]!.selector}._domainkey.acme.test`;
      const saved = before.records.find((r) => r.name === dkimName)!;
      dns.set(dkimName, undefined);
      const failing = await waitFor(
        async () => {
          const b = (await call('GET', `${domains()}/acme.test`)).body as unknown as DomainBody;
          return b.status === 'failing' ? b : undefined;
        },
        5_000,
        'failing',
      );
      expect(failing.failingReason).toContain(dkimName);

      const { id, raw } = await send();
      expect(headerOf(raw, 'From')[0]).toContain(`@${PLATFORM.sendingDomain}`);
      expect((await verifyAt(dns, raw))[0]).toMatchObject({ domain: PLATFORM.sendingDomain, status: 'pass' });
      const log = await waitFor(async () => {
        const m = (await call('GET', `/messages/${id}`)).body.message as
          | { recipients: Array<{ status: string; lastReply?: string; history?: unknown }> }
          | undefined;
        return m?.recipients.every((r) => r.status === 'delivered') ? m : undefined;
      });
      expect(JSON.stringify(log)).toContain('domain acme.test is not verified');

      dns.set(dkimName, { TXT: [saved.valueChunks] });
      await waitFor(
        async () =>
          ((await call('GET', `${domains()}/acme.test`)).body as unknown as DomainBody).status === 'active'
            ? true
            : undefined,
        5_000,
        'active again',
      );
    },
  );

  it(
    'rotation: new selector pending, signing keeps the old key until the new record verifies, then switches; the ' +
      'old one is listed as retiring',
    async () => {
      const rotated = (await call('POST', `${domains()}/acme.test/rotate`)).body as unknown as DomainBody;
      const [old, fresh] = rotated.selectors;
      expect(old!.state).toBe('active');
      expect(fresh).toMatchObject({ state: 'pending', selector: `${old!.selector}-2` });

      const stillOld = await send();
      expect((await verifyAt(dns, stillOld.raw))[0]).toMatchObject({ selector: old!.selector, status: 'pass' });
      publish(dns, rotated.records);
      const switched = (await call('POST', `${domains()}/acme.test/check`)).body as unknown as DomainBody;
      expect(switched.status).toBe('active');
      expect(switched.selectors.map((s) => [s.selector, s.state])).toEqual([
        [old!.selector, 'retiring'],
        [fresh!.selector, 'active'],
      ]);
      expect(switched.selectors[0]!.retireAfter).toBeGreaterThan(Date.now());
      expect(switched.records.find((r) => r.name.startsWith(`${old!.selector}.`))?.action).toBe('remove');
      // On disk the retired key keeps its public record and no private key; the active one has its sealed key.
      const db = open({ path: join(gw.dataDir, 'db'), maxDbs: 128, readOnly: true });
      const stored = db
        .openDB({ name: 'domains/domain-claims', encoding: 'json' })
        .get(`acme.test\n${gw.tenantId}`) as {
        selectors: Array<{ selector: string; privateKeySealed?: string }>;
      };
      await db.close();
      expect(stored.selectors.map((x) => [x.selector, typeof x.privateKeySealed])).toEqual([
        [old!.selector, 'undefined'],
        [fresh!.selector, 'string'],
      ]);

      const signedNew = await send();
      expect(await verifyAt(dns, signedNew.raw)).toEqual([
        expect.objectContaining({ domain: 'acme.test', selector: fresh!.selector, status: 'pass' }),
      ]);
    },
  );

  it('another tenant can neither see nor take the domain', async () => {
    const other = await call('POST', '/tenants', { name: 'Other BV' });
    const otherId = (other.body.tenant as { id: string }).id;
    expect((await call('POST', `/tenants/${otherId}/domains`, { domain: 'acme.test' })).status).toBe(409);
    expect((await call('GET', `/tenants/${otherId}/domains/acme.test`)).status).toBe(404);
    expect((await call('POST', `/tenants/${otherId}/domains/acme.test/check`)).status).toBe(404);
    expect((await call('GET', `/tenants/${otherId}/domains`)).body).toEqual({ domains: [] });

    const token = (await call('POST', `/tenants/${otherId}/tokens`, {})).body.token as string;
    const asOther = await fetch(
      `http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${gw.tenantId}/domains/acme.test`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(asOther.status).toBe(404);
    expect((await call('POST', domains(), { domain: 'not a domain' })).status).toBe(400);
  });

  it('no API answer ever held a private key, sealed or not', () => {
    expect(answers.length).toBeGreaterThan(20);
    const all = JSON.stringify(answers.map((a) => a.body));
    expect(all).not.toMatch(/PRIVATE KEY|privateKey|Sealed|"v1\.[0-9a-f]{8}\./);
    expect(all).toContain('fingerprint');
  });
});
