import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openHoldRulesStore, type HoldRulesStore } from '../../../src/pipeline/review/hold-rules-store.js';
import { openPgPool } from '../../../src/store/postgres/pool.js';
import { pgTenantDocumentsOpener } from '../../../src/store/postgres/pg-tenant-documents.js';
import { loadMigrations, migrate } from '../../../src/store/postgres/migrate.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * "Hold the first N messages after a settings change": two stores on one environment stand for two
 * worker processes rendering the same tenant's mail, two on one database for two nodes. The places
 * are handed out once across both.
 */
let dir: string;
let a: HoldRulesStore;
let b: HoldRulesStore;
let postgres: TestPostgres;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);

afterAll(async () => {
  await postgres?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-countdown-'));
});

afterEach(async () => {
  await a.close();
  await b.close();
  for (const pool of pools.splice(0)) await pool.end();
  await rm(dir, { recursive: true, force: true });
});

/** A node's store on the database at `url`. */
async function onDatabase(url: string): Promise<HoldRulesStore> {
  const pool = openPgPool(url, { max: 2 });
  pools.push(pool);
  const open = pgTenantDocumentsOpener(pool);
  return openHoldRulesStore(storageAt(join(dir, `node-${pools.length}`)), (owner, name) => open(`${owner}/${name}`));
}

describe.each([
  ['two stores on one LMDB environment (worker processes)', 'lmdb'],
  ['two nodes on one PostgreSQL', 'postgres'],
])('the countdown after a settings change: %s', (_, engine) => {
  beforeEach(async () => {
    if (engine === 'lmdb') {
      a = await openHoldRulesStore(storageAt(dir));
      b = await openHoldRulesStore(storageAt(dir));
      return;
    }
    const url = await postgres.freshDatabase();
    const pool = openPgPool(url, { max: 1 });
    await migrate(pool, await loadMigrations());
    await pool.end();
    a = await onDatabase(url);
    b = await onDatabase(url);
  });

  it('gives each place once across both, then holds no more', async () => {
    expect(await a.takeAfterChange('t1', 'settings-v1', 3)).toEqual({ held: false, place: 0 }); // starts the watch
    const taken = await Promise.all([a, b, a, b, b].map((store) => store.takeAfterChange('t1', 'settings-v2', 3)));
    expect(
      taken
        .filter((t) => t.held)
        .map((t) => t.place)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(taken.filter((t) => !t.held)).toHaveLength(2);
    // Another change starts a new countdown, seen by both.
    expect(await b.takeAfterChange('t1', 'settings-v3', 1)).toEqual({ held: true, place: 1 });
    expect(await a.takeAfterChange('t1', 'settings-v3', 1)).toEqual({ held: false, place: 0 });
  });

  it('one after the other: the places in order', async () => {
    expect(await a.takeAfterChange('t1', 'settings-v1', 3)).toEqual({ held: false, place: 0 });
    const taken = [];
    for (const store of [a, b, a, b, b]) taken.push(await store.takeAfterChange('t1', 'settings-v2', 3));
    expect(taken).toEqual([
      { held: true, place: 1 },
      { held: true, place: 2 },
      { held: true, place: 3 },
      { held: false, place: 0 },
      { held: false, place: 0 },
    ]);
  });
});
