import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { fakeGoogleConfig, startFakeGoogle, type FakeGoogle } from '../../helpers/fake-google.js';
import { testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { attempted, linkAccount } from '../../helpers/gmail-harness.js';
import { ADMIN, api, legacyClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { storageAt } from '../../helpers/temp-storage.js';
import { STORAGE_DIR, STORAGE_MAX_DBS } from '../../../src/store/storage.js';

/**
 * A deleted tenant's data is purged (src/tenants/tenant-purge.ts): sender settings with the
 * sealed SMTP password, content settings, domains with sealed DKIM keys, the Gmail link (its
 * token revoked at the fake Google), the suppression list and bounce counts. Another tenant
 * keeps all of its own. With force=true and mail still queued, nothing goes until that mail
 * is final; the next purge run (here: the start of the restarted gateway) removes it.
 */
const ENV = { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'ab'.repeat(32) };
const DEFERRED = 'later@slow.test';

interface Held {
  sender: boolean;
  content: boolean;
  domains: string[];
  gmailLink: boolean;
  suppressions: number;
  bounces: number;
}

/** What each store holds for one tenant, read from the LMDB files (read-only, as gmail-link.test.ts does). */
async function held(dataDir: string, tenantId: string): Promise<Held> {
  const db = open({ path: join(dataDir, STORAGE_DIR), maxDbs: STORAGE_MAX_DBS, readOnly: true });
  try {
    const domainDb = db.openDB<{ tenantId: string; domain: string }, string>({
      name: 'domains/domain-claims',
      encoding: 'json',
    });
    const range = { start: `${tenantId}/`, end: `${tenantId}0` };
    return {
      sender: db.openDB({ name: 'sender/sender-settings', encoding: 'json' }).get(tenantId) !== undefined,
      content: db.openDB({ name: 'content/content-settings', encoding: 'json' }).get(tenantId) !== undefined,
      domains: [...domainDb.getRange()]
        .filter(({ value }) => value.tenantId === tenantId)
        .map(({ value }) => value.domain),
      gmailLink: db.openDB({ name: 'gmail/gmail-links', encoding: 'json' }).get(tenantId) !== undefined,
      suppressions: [...db.openDB('mx/suppressions', { encoding: 'msgpack' }).getKeys(range)].length,
      bounces: [...db.openDB('mx/bounces', { encoding: 'msgpack' }).getKeys(range)].length,
    };
  } finally {
    await db.close();
  }
}

const EVERYTHING = (domain: string): Held => ({
  sender: true,
  content: true,
  domains: [domain],
  gmailLink: true,
  suppressions: 1,
  bounces: 0,
});
const NOTHING: Held = { sender: false, content: false, domains: [], gmailLink: false, suppressions: 0, bounces: 0 };

describe('tenant purge after DELETE /tenants/:id', () => {
  let sink: Sink;
  let fake: FakeGoogle;
  let dns: DnsTestServer;
  let dataDir: string;
  let config: Config;
  let gateway: Gateway;
  let gw: TestGateway; // the survivor, as the harness helpers want it

  async function start(): Promise<void> {
    gateway = await startGateway(config, pino({ level: 'silent' }), Date.now, ENV);
    gw = { ...gw, gateway };
  }
  const as = (tenantId: string, user = gw.user, pass = gw.pass): TestGateway => ({ ...gw, tenantId, user, pass });

  /** A tenant with everything: own SMTP password, content settings, a domain, a Gmail link, a suppressed address. */
  async function furnish(tenantId: string, name: string): Promise<void> {
    const ok = async (method: string, path: string, body: unknown, status = 200) => {
      const answer = await api(gw, method, `/tenants/${tenantId}${path}`, body);
      expect({ path, status: answer.status, body: answer.status === status ? undefined : answer.body }).toEqual({
        path,
        status,
        body: undefined,
      });
    };
    await ok('PUT', '/sender', {
      smtp: { host: '127.0.0.1', port: sink.port, tls: 'starttls', user: name, password: `${name}-smtp-password` },
    });
    await ok('PUT', '/content', { subjects: { invoice: { nl: 'Factuur %document-number%' } } });
    await ok('POST', '/domains', { domain: `${name}.test` }, 201);
    expect(
      (await linkAccount(as(tenantId), fake, { address: `${name}@gmail.test`, aliases: [`${name}@gmail.test`] }))
        .status,
    ).toBe(200);
    await ok('POST', '/suppressions', { address: 'gone@customer.test' }, 201);
    expect(await held(dataDir, tenantId)).toEqual(EVERYTHING(`${name}.test`));
  }

  async function newTenant(name: string): Promise<{ id: string; user: string; pass: string }> {
    const created = await api(gw, 'POST', '/tenants', { name });
    expect(created.status).toBe(201);
    const smtp = created.body.smtp as { username: string; password: string };
    return { id: (created.body.tenant as { id: string }).id, user: smtp.username, pass: smtp.password };
  }

  beforeAll(async () => {
    sink = await startSink({
      onRcpt: (address) => {
        if (address === DEFERRED) throw Object.assign(new Error('4.2.1 try again later'), { responseCode: 451 });
      },
    });
    fake = await startFakeGoogle();
    dns = await startDnsServer({});
    dataDir = await mkdtemp(join(tmpdir(), 'postbode-purge-'));
    const base = testConfig(dataDir, sink.port, { platform: PLATFORM, gmail: fakeGoogleConfig(fake) });
    config = { ...base, dns: { ...base.dns, resolver: dns.address } };
    const store = openTenantStore(storageAt(dataDir));
    const { tenant, password } = await addTenant(store, { name: 'Survivor BV' });
    await store.close();
    gw = {
      gateway: undefined as unknown as Gateway,
      dataDir,
      config,
      user: tenant.smtpUsername,
      pass: password,
      tenantId: tenant.id,
      stop: async () => undefined,
    };
    await start();
    await furnish(gw.tenantId, 'survivor');
  });
  afterAll(async () => {
    await gateway?.stop(2000);
    await Promise.all([sink?.close(), fake?.close(), dns?.close()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('removes everything of a deleted tenant (Gmail token revoked at Google), and nothing of another', async () => {
    const gone = await newTenant('Gone BV');
    await furnish(gone.id, 'gone');
    const revokedBefore = fake.revoked.length;
    expect((await api(gw, 'DELETE', `/tenants/${gone.id}`)).status).toBe(204);

    const left = await waitFor(
      async () => {
        const h = await held(dataDir, gone.id);
        return h.gmailLink || h.domains.length > 0 || h.suppressions > 0 ? undefined : h;
      },
      5_000,
      'the purge',
    );
    expect(left).toEqual(NOTHING);
    expect(fake.revoked.length).toBe(revokedBefore + 1);
    // The survivor keeps all of its own, in the stores and through the API.
    expect(await held(dataDir, gw.tenantId)).toEqual(EVERYTHING('survivor.test'));
    expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/gmail`)).body).toMatchObject({
      status: 'linked',
      address: 'survivor@gmail.test',
    });
    expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/sender`)).body).toMatchObject({
      smtp: { hasPassword: true },
    });
    expect((await api(gw, 'GET', `/tenants/${gw.tenantId}/suppressions`)).body).toMatchObject({
      suppressions: [{ address: 'gone@customer.test' }],
    });
    // The deleted tenant's domain is free again.
    expect((await api(gw, 'POST', `/tenants/${gw.tenantId}/domains`, { domain: 'gone.test' })).status).toBe(201);
    expect((await api(gw, 'DELETE', `/tenants/${gw.tenantId}/domains/gone.test`)).status).toBe(204);
    // The audit log is the record: the deletion is still in it.
    const audit = await api(gw, 'GET', '/audit?limit=200');
    expect(JSON.stringify(audit.body)).toContain(gone.id);
  });

  it(
    'force=true with mail deferred: ' + 'nothing is purged until that mail is final, then the next run removes it',
    async () => {
      const queued = await newTenant('Queued BV');
      await furnish(queued.id, 'queued');
      const client = legacyClient(as(queued.id, queued.user, queued.pass));
      const info = await client.sendMail({
        from: 'facturen@queued.test',
        to: DEFERRED,
        subject: 'Factuur 1',
        text: 'Factuur.',
      });
      client.close();
      const messageId = queueIdOf(info.response);
      expect((await attempted(gw, messageId))[0]?.status).toBe('deferred');

      expect((await api(gw, 'DELETE', `/tenants/${queued.id}`)).status).toBe(409);
      const revokedBefore = fake.revoked.length;
      expect((await api(gw, 'DELETE', `/tenants/${queued.id}?force=true`)).status).toBe(204);
      // A tenant deleted right after, without mail: once its data is gone, a purge pass has looked at both.
      const marker = await newTenant('Marker BV');
      await api(gw, 'POST', `/tenants/${marker.id}/suppressions`, { address: 'x@customer.test' });
      expect((await api(gw, 'DELETE', `/tenants/${marker.id}`)).status).toBe(204);
      await waitFor(
        async () => ((await held(dataDir, marker.id)).suppressions === 0 ? true : undefined),
        5_000,
        'the marker purge',
      );
      expect(await held(dataDir, queued.id)).toEqual(EVERYTHING('queued.test'));
      expect(fake.revoked.length).toBe(revokedBefore);

      // The message becomes final (cancelled through the API); the next run (the start after a restart) purges.
      expect((await api(gw, 'POST', `/messages/${messageId}/cancel`, {})).status).toBe(200);
      await gateway.stop(2000);
      await start();
      const left = await waitFor(
        async () => {
          const h = await held(dataDir, queued.id);
          return h.sender || h.gmailLink || h.suppressions > 0 ? undefined : h;
        },
        5_000,
        'the purge at start',
      );
      expect(left).toEqual(NOTHING);
      expect(fake.revoked.length).toBe(revokedBefore + 1);
      expect(await held(dataDir, gw.tenantId)).toEqual(EVERYTHING('survivor.test'));
    },
  );
});
