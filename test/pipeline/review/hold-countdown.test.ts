import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openHoldRulesStore, type HoldRulesStore } from '../../../src/pipeline/review/hold-rules-store.js';
import { openTenantDocumentsOn } from '../../../src/compose/open-tenant-documents.js';
import { pgNodes, type PgNodes } from '../../helpers/pg-nodes.js';
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
let nodes: PgNodes | undefined;

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
  await nodes?.end();
  nodes = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A node's store on the shared database, opened as the gateway opens it. */
function onDatabase(on: PgNodes, name: string): Promise<HoldRulesStore> {
  const storage = storageAt(join(dir, name));
  return openHoldRulesStore(
    storage,
    openTenantDocumentsOn({ storage, pool: on.node(), logger: pino({ level: 'silent' }) }),
  );
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
    nodes = await pgNodes(postgres);
    a = await onDatabase(nodes, 'node-a');
    b = await onDatabase(nodes, 'node-b');
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
