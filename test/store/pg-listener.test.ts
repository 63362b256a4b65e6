import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { pgListener, type PgListener, type PgListenerSpec } from '../../src/store/postgres/pg-listener.js';
import { startPostgres, withClient, type TestPostgres } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait-for.js';

let postgres: TestPostgres;
let url: string;
const pools: pg.Pool[] = [];
const listeners: PgListener[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  url = await postgres.freshDatabase();
}, 60_000);

afterAll(async () => {
  await postgres?.stop();
});

afterEach(async () => {
  for (const listener of listeners.splice(0)) listener.stop();
  for (const pool of pools.splice(0)) await pool.end();
});

/** A cache of what it was told: payloads per channel, and how many full loads. */
function recorder(channel: string, onListenError?: (err: Error) => void) {
  const seen: string[] = [];
  let loads = 0;
  const spec: PgListenerSpec = {
    channel,
    loading: `loading ${channel}`,
    reload: async (client) => {
      await client.query('SELECT 1');
      loads++;
    },
    refresh: async (client, payload) => {
      await client.query('SELECT 1');
      seen.push(payload);
    },
    ...(onListenError ? { onListenError } : {}),
  };
  return { spec, seen, loads: () => loads };
}

function pool(max: number): pg.Pool {
  const opened = openPgPool(url, { max });
  pools.push(opened);
  return opened;
}

function start(on: pg.Pool, spec: PgListenerSpec): Promise<void> {
  const listener = pgListener(on, spec);
  listeners.push(listener);
  return listener.start();
}

const notify = (channel: string, payload: string) =>
  withClient(url, (c) => c.query('SELECT pg_notify($1, $2)', [channel, payload]));

/** Connections of this node's pool and listener (application_name 'postbode'), by LISTEN or not. */
async function connections(): Promise<number> {
  const { rows } = await withClient(url, (c) =>
    c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'postbode'"),
  );
  return Number(rows[0]?.n);
}

describe('the per-node listening connection', () => {
  it('serves several stores from one connection outside the pool: a pool of one still answers queries', async () => {
    const one = pool(1);
    const a = recorder('chan_a');
    const b = recorder('chan_b');
    const c = recorder('chan_a');
    await start(one, a.spec);
    await start(one, b.spec);
    await start(one, c.spec);
    // Held by the listener, a pool of one would wait here forever (the test's timeout).
    expect((await one.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n).toBe(1);
    expect(await connections()).toBe(2);
    await notify('chan_a', 'x1');
    await notify('chan_b', 'y1');
    await waitFor(() => a.seen.length === 1 && b.seen.length === 1 && c.seen.length === 1, 5_000, 'refreshes');
    expect([a.seen, b.seen, c.seen]).toEqual([['x1'], ['y1'], ['x1']]);
    expect([a.loads(), b.loads(), c.loads()]).toEqual([1, 1, 1]);
  });

  it('keeps the order of the notifications of one channel', async () => {
    const spec = recorder('chan_order');
    await start(pool(2), spec.spec);
    await withClient(url, async (c) => {
      for (let i = 0; i < 20; i++) await c.query('SELECT pg_notify($1, $2)', ['chan_order', String(i)]);
    });
    await waitFor(() => spec.seen.length === 20, 5_000, 'twenty refreshes');
    expect(spec.seen).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('stops hearing a channel once its last store stops, and closes the connection with the last store', async () => {
    const on = pool(1);
    const kept = recorder('chan_kept');
    const gone = recorder('chan_gone');
    await start(on, kept.spec);
    const goneListener = pgListener(on, gone.spec);
    await goneListener.start();
    goneListener.stop();
    await notify('chan_gone', 'late');
    await notify('chan_kept', 'k');
    await waitFor(() => kept.seen.length === 1, 5_000, 'the kept store hears its channel');
    expect(gone.seen).toEqual([]);
    for (const listener of listeners.splice(0)) listener.stop();
    await waitFor(async () => (await connections()) === 0, 5_000, 'no connection left once every store stopped');
  });

  it('reconnects after the connection is lost, tells each store, and reloads every cache', async () => {
    const errors: string[] = [];
    const a = recorder('chan_lost_a', (err) => errors.push(`a: ${err.message}`));
    const b = recorder('chan_lost_b', (err) => errors.push(`b: ${err.message}`));
    const on = pool(1);
    await start(on, a.spec);
    await start(on, b.spec);
    await withClient(url, (c) =>
      c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'postbode'"),
    );
    await waitFor(() => a.loads() === 2 && b.loads() === 2, 10_000, 'both caches reloaded after the reconnect');
    expect(errors.map((e) => e.slice(0, 3))).toEqual(['a: ', 'b: ']);
    await notify('chan_lost_b', 'after');
    await waitFor(() => b.seen.length === 1, 5_000, 'notifications heard again');
    expect(b.seen).toEqual(['after']);
  });

  it('fails the start with a storage error naming what it loaded when the database cannot be reached', async () => {
    const nowhere = openPgPool('postgres://postgres@127.0.0.1:1/none', { max: 1 });
    pools.push(nowhere);
    const listener = pgListener(nowhere, recorder('chan_none').spec);
    await expect(listener.start()).rejects.toMatchObject({ code: 'E_STORAGE' });
    await expect(listener.start()).rejects.toThrow(/loading chan_none/);
  });
});
