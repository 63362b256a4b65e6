import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterJobs } from '../../src/compose/cluster-jobs.js';
import { runHere, type ExclusiveRun } from '../../src/core/exclusive-run.js';
import type { NewMessage, QueuedMessage } from '../../src/core/types.js';
import { openAlertStore, type AlertStore } from '../../src/feedback/bounce-alerts/alert-store.js';
import { createBounceAlerts, DAY_MS, type BounceAlerts } from '../../src/feedback/bounce-alerts/bounce-alerts.js';
import { startHoldExpiry, type HoldExpirySweeper } from '../../src/pipeline/review/hold-expiry.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { startTenantPurge, type TenantPurge } from '../../src/tenants/tenant-purge-runner.js';
import type { TenantDataOwner } from '../../src/tenants/tenant-purge.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storageAt } from '../helpers/temp-storage.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * The periodic jobs (review expiry, the bounce-alert digest, the tenant purge) on two "nodes": two
 * pools on one real database, each with its clusterJobs. While one node runs a round, the other's
 * round at that moment skips; without a pool (LMDB) every round runs.
 */
const logger = pino({ level: 'silent' });
const HOUR = 3_600_000;
let cluster: TestPostgres;
let url: string;
const pools: pg.Pool[] = [];
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  cluster = await startPostgres();
  url = await cluster.freshDatabase();
});
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

function node(): ExclusiveRun {
  const pool = openPgPool(url);
  pools.push(pool);
  return clusterJobs(pool, logger);
}

/** A gate jobs wait at until the test opens it; `waiting` counts the jobs that came to it. */
function gate(): { wait: () => Promise<void>; open: () => void; waiting: () => number } {
  let open = () => {};
  let waiting = 0;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    wait: () => {
      waiting += 1;
      return opened;
    },
    open,
    waiting: () => waiting,
  };
}

describe('review hold expiry', () => {
  /** A review whose expire() counts its calls and waits at `held` until opened. */
  function review(held: ReturnType<typeof gate>) {
    const calls = { n: 0 };
    return {
      calls,
      service: {
        async expire() {
          calls.n += 1;
          await held.wait();
          return 3;
        },
      },
    };
  }
  const sweeper = (service: { expire(now: number): Promise<number> }, exclusive?: ExclusiveRun) => {
    const started: HoldExpirySweeper = startHoldExpiry(service, {
      everyMs: HOUR,
      clock: () => Date.now(),
      logger,
      ...(exclusive ? { exclusive } : {}),
    });
    stops.push(() => started.stop());
    return started;
  };

  it('two nodes sweeping at the same moment: one ends the holds, the other skips at once', async () => {
    const held = gate();
    const shared = review(held);
    const [a, b] = [sweeper(shared.service, node()), sweeper(shared.service, node())];
    const first = a.sweep();
    await waitFor(() => shared.calls.n === 1, 5_000, 'node a to start its sweep');
    expect(await b.sweep()).toBe(0);
    expect(shared.calls.n).toBe(1);
    held.open();
    expect(await first).toBe(3);
    // The lock went with a's round: b's next round runs.
    expect(await b.sweep()).toBe(3);
    expect(shared.calls.n).toBe(2);
  });

  it('without a shared database every sweep runs, two at once too', async () => {
    const held = gate();
    const shared = review(held);
    const [a, b] = [sweeper(shared.service), sweeper(shared.service, runHere)];
    const rounds = [a.sweep(), b.sweep()];
    await waitFor(() => shared.calls.n === 2, 5_000, 'both sweeps to start');
    held.open();
    expect(await Promise.all(rounds)).toEqual([3, 3]);
  });
});

describe('tenant purge', () => {
  const GONE = '01JD4T8X9M2C5V7B3N6K0GGGGG';

  /** One store both nodes purge (as a shared one is); tenantExists waits at `held`. */
  function shared(held: ReturnType<typeof gate>) {
    const data = new Set([GONE]);
    const seen = { passes: 0, forgotten: 0 };
    const owner: TenantDataOwner = {
      name: 'shared',
      tenantIds: () => {
        seen.passes += 1;
        return [...data];
      },
      async forget(id) {
        seen.forgotten += 1;
        return data.delete(id) ? 1 : 0;
      },
    };
    const tenantExists = async () => {
      await held.wait();
      return false;
    };
    return { seen, deps: { owners: [owner], tenantExists, pending: () => 0, logger, everyMs: HOUR } };
  }
  const purge = (deps: ReturnType<typeof shared>['deps'], exclusive?: ExclusiveRun): TenantPurge => {
    const started = startTenantPurge({ ...deps, ...(exclusive ? { exclusive } : {}) });
    stops.push(() => started.stop());
    return started;
  };

  it('two nodes starting at the same moment: one pass purges, the other skips and reports nobody', async () => {
    const held = gate();
    const store = shared(held);
    const a = purge(store.deps, node());
    await waitFor(() => store.seen.passes === 1, 5_000, "node a's start pass");
    const b = purge(store.deps, node());
    expect(await b.run()).toEqual([]); // b's start pass skipped, and so does this one
    expect(store.seen.passes).toBe(1);
    held.open();
    expect(await a.run()).toEqual([]); // after a's start pass, which purged GONE
    expect(store.seen).toEqual({ passes: 2, forgotten: 1 });
  });

  it('without a shared database each node runs its own pass', async () => {
    const held = gate();
    const store = shared(held);
    purge(store.deps);
    purge(store.deps, runHere);
    await waitFor(() => store.seen.passes === 2, 5_000, 'both start passes');
    held.open();
    await waitFor(() => store.seen.forgotten === 2, 5_000, 'both passes to forget GONE');
  });
});

describe('bounce-alert digest', () => {
  const TENANT = '01JD4T8X9M2C5V7B3N6K0TTTTT';
  let dir: string;
  let store: AlertStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-cluster-digest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A tenant in daily mode with one item a day old in `store`: its digest is due. */
  async function dueDigest(name: string): Promise<void> {
    store = await openAlertStore(storageAt(join(dir, name)));
    stops.push(() => store.close());
    await store.settings.put(TENANT, { mode: 'daily', deferredAfterHours: null });
    const at = Date.now() - DAY_MS - HOUR;
    const item = {
      queueId: 'Q1',
      address: 'klant@example.test',
      event: 'bounced' as const,
      reply: '550',
      hours: 0,
      at,
    };
    await store.state.put(TENANT, { marks: ['Q1|klant@example.test|bounced'], pending: [item] });
  }

  /** A node's alerts on the state both nodes read (the test's stand-in for a shared store); mails go to `queued`. */
  function alerts(queued: NewMessage[], held: ReturnType<typeof gate>, exclusive?: ExclusiveRun): BounceAlerts {
    const made = createBounceAlerts({
      store,
      queue: {
        async enqueue(message) {
          queued.push(message);
          return { ...message, recipients: [] } as unknown as QueuedMessage;
        },
      },
      recipientOf: async () => {
        await held.wait();
        return 'office@acme.test';
      },
      languageOf: () => 'en',
      documentOf: () => undefined,
      linkOf: (id) => `https://postbode.test/settings?message=${id}`,
      from: 'bounces@postbode.test',
      hostname: 'postbode.test',
      clock: () => Date.now(),
      logger,
      onQueued: () => undefined,
      ...(exclusive ? { exclusive } : {}),
    });
    stops.push(() => made.stop());
    return made;
  }

  it('two nodes at the same moment queue one digest; a later round finds it sent', async () => {
    await dueDigest('cluster');
    const queued: NewMessage[] = [];
    const held = gate();
    const ran: string[] = [];
    /** The node's lock, noting each round that got it. */
    const noting =
      (name: string, lock: ExclusiveRun): ExclusiveRun =>
      (job, run) =>
        lock(job, () => {
          ran.push(name);
          return run();
        });
    const [a, b] = [alerts(queued, held, noting('a', node())), alerts(queued, held, noting('b', node()))];
    const first = a.runDigest();
    await waitFor(() => held.waiting() === 1, 5_000, "node a's digest round to ask for the address");
    expect(await b.runDigest()).toBe(0);
    expect(held.waiting()).toBe(1);
    held.open();
    expect(await first).toBe(1);
    // b's round now runs, and finds the day's digest sent.
    expect(await b.runDigest()).toBe(0);
    expect(ran).toEqual(['a', 'b']);
    expect(queued.map((m) => [m.tenantId, m.kind])).toEqual([[TENANT, 'alert']]);
  });

  it('without the lock two rounds at once still queue one digest: the first takes the items in one step', async () => {
    await dueDigest('local');
    const queued: NewMessage[] = [];
    const held = gate();
    const rounds = [alerts(queued, held).runDigest(), alerts(queued, held, runHere).runDigest()];
    await waitFor(() => held.waiting() === 1, 5_000, 'one round to ask for the address');
    held.open();
    expect((await Promise.all(rounds)).sort()).toEqual([0, 1]);
    expect(queued).toHaveLength(1);
  });
});
