import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTenantDocumentsOn } from '../../src/compose/open-tenant-documents.js';
import { DEFAULT_HOLD_RULES } from '../../src/pipeline/review/hold-rules.js';
import { openTenantDocuments } from '../../src/store/tenant-documents.js';
import { PEPPOL_DEFAULTS } from '../../src/tenants/peppol/peppol-settings.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storageAt } from '../helpers/temp-storage.js';
import { waitFor } from '../helpers/wait-for.js';
import { contentOn, openTenantSettingsStores, type TenantSettingsStores } from '../tenants/tenant-settings-stores.js';

// Two gateway nodes = the per-tenant settings stores on two pools of one database, each node with its own LMDB.
let cluster: TestPostgres;
let nodes: PgNodes;
let dir: string;
const opened: TenantSettingsStores[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  for (const stores of opened.splice(0)) await stores.close();
  await nodes?.end();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const logger = pino({ level: 'silent' });
/** A change through one node must reach the other within this long. */
const SHARED_WITHIN_MS = 1_000;

async function node(pool: pg.Pool, name: string): Promise<TenantSettingsStores> {
  const storage = storageAt(join(dir, name));
  const stores = await openTenantSettingsStores(storage, openTenantDocumentsOn({ storage, pool, logger }));
  opened.push(stores);
  return stores;
}

async function twoNodes(): Promise<[TenantSettingsStores, TenantSettingsStores]> {
  dir = await mkdtemp(join(tmpdir(), 'postbode-pg-settings-'));
  nodes = await pgNodes(cluster);
  return [await node(nodes.node(), 'a'), await node(nodes.node(), 'b')];
}

describe('per-tenant settings on two nodes sharing one PostgreSQL', () => {
  it('limit overrides set on A are read on B within a second, and a removal on A is seen on B', async () => {
    const [a, b] = await twoNodes();
    await b.limits.set('t1', { messagesPerHour: 7 }); // B had read it before: no stale copy may stay
    await waitFor(() => a.limits.get('t1').messagesPerHour === 7, SHARED_WITHIN_MS, 'A to see B');
    await a.limits.set('t1', { messagesPerHour: 5, deliveryWeight: 2 });
    await waitFor(() => b.limits.get('t1').messagesPerHour === 5, SHARED_WITHIN_MS, 'the override on B');
    expect(b.limits.get('t1')).toEqual({ messagesPerHour: 5, deliveryWeight: 2 });
    expect(Object.isFrozen(b.limits.get('t1'))).toBe(true);
    expect([...b.limits.tenantIds()]).toEqual(['t1']);

    await a.limits.remove('t1');
    await waitFor(() => b.limits.get('t1').messagesPerHour === undefined, SHARED_WITHIN_MS, 'the removal on B');
    expect(b.limits.get('t1')).toEqual({});
    expect([...b.limits.tenantIds()]).toEqual([]);
  });

  it('content settings put on A are read on B within a second, and a removal on A is seen on B', async () => {
    const [a, b] = await twoNodes();
    expect(b.content.get('t1')).toBeUndefined();
    await a.content.put('t1', contentOn(1));
    await waitFor(() => b.content.get('t1')?.updatedAt === 1, SHARED_WITHIN_MS, 'the settings on B');
    expect(b.content.get('t1')?.enabled).toBe(true);
    await a.content.put('t1', contentOn(2));
    await waitFor(() => b.content.get('t1')?.updatedAt === 2, SHARED_WITHIN_MS, 'the second version on B');

    await a.content.remove('t1');
    await waitFor(() => b.content.get('t1') === undefined, SHARED_WITHIN_MS, 'the removal on B');
    expect([...b.content.tenantIds()]).toEqual([]);
  });

  it('review rules, bounce-alert settings and state, and Peppol settings are shared too', async () => {
    const [a, b] = await twoNodes();
    await a.holdRules.put('t1', { ...DEFAULT_HOLD_RULES, documentTypes: ['reminder'] });
    await a.alerts.settings.put('t1', { mode: 'daily', deferredAfterHours: null });
    await a.alerts.state.put('t1', { marks: ['q1|x@client.test|bounced'], pending: [] });
    await a.peppol.put('t1', { ...PEPPOL_DEFAULTS, enabled: true, recipients: { 'x@client.test': '0208:1' } });
    await waitFor(
      () =>
        b.holdRules.get('t1').documentTypes.includes('reminder') &&
        b.alerts.settingsOf('t1').mode === 'daily' &&
        b.alerts.state.get('t1')?.marks.length === 1 &&
        b.peppol.get('t1').enabled,
      SHARED_WITHIN_MS,
      'every store on B',
    );
    expect(b.peppol.get('t1').recipients).toEqual({ 'x@client.test': '0208:1' });

    await a.holdRules.remove('t1');
    await a.alerts.settings.remove('t1');
    await a.peppol.remove('t1');
    await waitFor(
      () =>
        b.holdRules.get('t1').documentTypes.length === 0 &&
        b.alerts.settingsOf('t1').mode === 'immediate' &&
        !b.peppol.get('t1').enabled,
      SHARED_WITHIN_MS,
      'every removal on B',
    );
    expect([...b.peppol.tenantIds(), ...b.holdRules.tenantIds(), ...b.alerts.settings.tenantIds()]).toEqual([]);
  });

  it('keeps the documents in the database, not in the node’s LMDB', async () => {
    const [a] = await twoNodes();
    await a.limits.set('t1', { messagesPerHour: 5 });
    await a.content.put('t1', contentOn(1));
    const local = storageAt(join(dir, 'a'));
    const limits = openTenantDocuments(local, 'limits', 'limits');
    const content = openTenantDocuments(local, 'content', 'content-settings');
    try {
      expect(limits.get('t1')).toBeUndefined();
      expect(content.get('t1')).toBeUndefined();
    } finally {
      await limits.close();
      await content.close();
    }
  });

  it('keeps the other stores of a node fresh after one of them closed (they share the listener)', async () => {
    const [a, b] = await twoNodes();
    await b.limits.close();
    await a.content.put('t1', contentOn(3));
    await waitFor(() => b.content.get('t1')?.updatedAt === 3, SHARED_WITHIN_MS, 'the settings on B');
  });

  it('keeps every connection of the pool for queries while its stores listen (pg-listener.test.ts)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-pg-settings-'));
    nodes = await pgNodes(cluster);
    const pool = nodes.node();
    const stores = await node(pool, 'a');
    expect(pool.totalCount - pool.idleCount).toBe(0);
    await stores.limits.set('t1', { messagesPerHour: 5 });
    opened.splice(0);
    await stores.close();
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });
});
