import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/admin/auth/api-token.js';
import { openPgTokenStore } from '../../src/admin/auth/pg-token-store.js';
import { isGatewayError } from '../../src/core/gateway-error.js';
import { openPgDomainStore } from '../../src/tenants/domains/pg-domain-store.js';
import type { DomainRecord, DomainStatus } from '../../src/tenants/domains/domain-types.js';
import { openPgSenderSettingsStore } from '../../src/tenants/pg-sender-settings-store.js';
import { openPgTenantStore } from '../../src/tenants/pg-tenant-store.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';

// Two gateway nodes = two store instances on two pools, on one database.
let cluster: TestPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

const record = (domain: string, tenantId: string, status: DomainStatus): DomainRecord => ({
  domain,
  tenantId,
  keySet: 'rsa',
  selectors: [
    {
      selector: 's1',
      algorithm: 'rsa',
      publicKeyDnsValue: 'p=x',
      privateKeySealed: 'sealed:abc',
      createdAt: 1,
      state: 'active',
    },
  ],
  status,
  createdAt: 1,
});
const tenantInput = (smtpUsername: string) => ({
  name: smtpUsername,
  smtpUsername,
  smtpPasswordHash: 'scrypt$h',
  allowedIps: [],
  allowPlaintextAuth: false,
});
const failure = (p: Promise<unknown>) => p.then(() => undefined).catch((err: unknown) => err);

/** Both nodes' four stores; closed after each test. */
async function twoNodes(nodes: PgNodes, onListenError?: (err: Error) => void) {
  const open = async (pool: pg.Pool) => ({
    tenants: openPgTenantStore(pool),
    tokens: openPgTokenStore(pool),
    sender: await openPgSenderSettingsStore(pool, onListenError ? { onListenError } : {}),
    domains: await openPgDomainStore(pool, onListenError ? { onListenError } : {}),
  });
  return [await open(nodes.node()), await open(nodes.node())] as const;
}

describe('settings stores on two nodes sharing one PostgreSQL', () => {
  let nodes: PgNodes;
  let stores: Awaited<ReturnType<typeof twoNodes>> | undefined;
  afterEach(async () => {
    for (const s of stores ?? []) await Promise.all([s.sender.close(), s.domains.close()]);
    stores = undefined;
    await nodes.end();
  });

  it('shows a change made through node A on node B within a second', async () => {
    nodes = await pgNodes(cluster);
    stores = await twoNodes(nodes);
    const [a, b] = stores;
    const tenant = await a.tenants.create(tenantInput('acme'));
    expect(await b.tenants.bySmtpUsername('ACME')).toEqual(tenant);
    const token = generateToken(1000);
    await a.tokens.create({
      id: token.id,
      kind: 'tenant',
      tenantId: tenant.id,
      secretHash: token.secretHash,
      createdAt: 1,
    });
    expect(await b.tokens.get(token.id)).toMatchObject({ tenantId: tenant.id });
    await a.tokens.remove(token.id);
    expect(await b.tokens.get(token.id)).toBeUndefined();

    await a.sender.update(tenant.id, (s) => ({ ...s, mode: 'own-address', localPart: 'acme' }));
    await waitFor(() => b.sender.get(tenant.id).mode === 'own-address', 1_000, 'the settings on node B');
    expect(b.sender.localPartOwner('acme')).toBe(tenant.id);
    await a.domains.insert(record('acme.test', tenant.id, 'pending'));
    await a.domains.update('acme.test', tenant.id, (r) => ({ ...r, status: 'active' }));
    await waitFor(() => b.domains.ownerOf('acme.test') === tenant.id, 1_000, 'the owner on node B');
    // Sealed keys stay sealed: node B reads the sealed value the service stored, nothing else.
    expect(b.domains.get('acme.test', tenant.id)?.selectors[0]?.privateKeySealed).toBe('sealed:abc');
    await b.domains.removeAll(tenant.id);
    await b.sender.remove(tenant.id);
    await waitFor(() => a.domains.ownerOf('acme.test') === undefined, 1_000, 'the removal on node A');
    await waitFor(() => a.sender.localPartOwner('acme') === undefined, 1_000, 'the freed local part on node A');
  });

  it('one of two nodes wins a user name, local part, domain claimed at once; the other: the usual error', async () => {
    nodes = await pgNodes(cluster);
    stores = await twoNodes(nodes);
    const [a, b] = stores;
    const names = await Promise.allSettled([
      a.tenants.create(tenantInput('same')),
      b.tenants.create(tenantInput('SAME')),
    ]);
    expect(
      names.filter((r) => r.status === 'rejected').map((r) => isGatewayError(r.reason, 'E_TENANT_EXISTS')),
    ).toEqual([true]);
    const parts = await Promise.allSettled([
      a.sender.update('T1', (s) => ({ ...s, localPart: 'facturen' })),
      b.sender.update('T2', (s) => ({ ...s, localPart: 'facturen' })),
    ]);
    expect(
      parts.filter((r) => r.status === 'rejected').map((r) => isGatewayError(r.reason, 'E_NOT_AVAILABLE')),
    ).toEqual([true]);
    // A second tenant adding a domain that is already proved (active) by the first, on the other node, at once.
    const domains = await Promise.allSettled([
      a.domains.insert(record('shared.test', 'T1', 'active')),
      b.domains.insert(record('shared.test', 'T2', 'active')),
    ]);
    expect(
      domains.filter((r) => r.status === 'rejected').map((r) => isGatewayError(r.reason, 'E_NOT_AVAILABLE')),
    ).toEqual([true]);
    // The node that lost learns the winner by NOTIFY, a moment after its own refusal.
    const owner = await waitFor(() => a.domains.ownerOf('shared.test'), 1_000, 'an owner on node A');
    await waitFor(() => b.domains.ownerOf('shared.test') === owner, 1_000, 'one owner on both nodes');
    // The loser never reads the winner's claim as its own.
    const loser = owner === 'T1' ? 'T2' : 'T1';
    expect(b.domains.get('shared.test', loser)).toBeUndefined();
    expect(b.domains.listFor(loser)).toEqual([]);
  });

  it('rejects writes with E_STORAGE while the database is down, serves cached reads, and reloads after', async () => {
    nodes = await pgNodes(cluster);
    const lost: Error[] = [];
    stores = await twoNodes(nodes, (err) => lost.push(err));
    const [a, b] = stores;
    const tenant = await a.tenants.create(tenantInput('acme'));
    await a.sender.update(tenant.id, (s) => ({ ...s, localPart: 'acme' }));
    await a.domains.insert(record('acme.test', tenant.id, 'active'));
    await waitFor(() => b.domains.ownerOf('acme.test') && b.sender.localPartOwner('acme'), 1_000, 'node B loaded');
    await cluster.halt();
    try {
      const writes = await Promise.all([
        failure(a.tenants.create(tenantInput('other'))),
        failure(a.tokens.create({ id: 'x', kind: 'admin', secretHash: 'h', createdAt: 1 })),
        failure(a.sender.update(tenant.id, (s) => ({ ...s, localPart: 'acme-2' }))),
        failure(b.domains.insert(record('beta.test', tenant.id, 'pending'))),
        failure(b.tenants.byId(tenant.id)), // not cached: AUTH needs the database
      ]);
      expect(writes.map((err) => isGatewayError(err, 'E_STORAGE'))).toEqual([true, true, true, true, true]);
      expect([b.sender.get(tenant.id).localPart, b.domains.ownerOf('acme.test')]).toEqual(['acme', tenant.id]);
      expect(a.sender.localPartOwner('acme')).toBe(tenant.id);
    } finally {
      await cluster.resume();
    }
    // Made at once, while B's listeners are still away (they retry with a back-off): only a reload brings it.
    await a.sender.update(tenant.id, (s) => ({ ...s, localPart: 'acme-bv' }));
    await a.domains.update('acme.test', tenant.id, (r) => ({ ...r, status: 'failing' }));
    await waitFor(() => b.sender.localPartOwner('acme-bv') === tenant.id, 8_000, 'node B settings after the restart');
    await waitFor(() => b.domains.get('acme.test')?.status === 'failing', 8_000, 'node B domains after the restart');
    expect(b.sender.localPartOwner('acme')).toBeUndefined();
    expect(lost.length).toBeGreaterThanOrEqual(4);
  });
});
