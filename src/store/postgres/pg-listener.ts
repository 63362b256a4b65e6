import pg from 'pg';
import { storageCall } from './pg-errors.js';

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

/** What a cached store gives the listener: how to load everything, and how to re-read what a notification names. */
export interface PgListenerSpec {
  /** The NOTIFY channel of the store's tables' trigger (a plain identifier). */
  readonly channel: string;
  /** Said in the E_STORAGE error when the first load fails, e.g. 'loading sender settings'. */
  readonly loading: string;
  /** Replaces the whole cache from the database (at start and after every reconnect). */
  reload(client: pg.ClientBase): Promise<void>;
  /** Re-reads what one notification's payload names and applies it to the cache. */
  refresh(client: pg.ClientBase, payload: string): Promise<void>;
  /** The listening connection failed; the listener reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

export interface PgListener {
  /** LISTENs (connecting first when this node has no listening connection yet), then loads the cache. */
  start(): Promise<void>;
  stop(): void;
}

/**
 * The one way a store keeps a per-node cache fresh: it LISTENs on the store's channel and re-reads
 * what each notification names. Every store of a node listens on ONE connection of its own, outside
 * the pool (the pool's `max` stays for queries, and a node holds one listening connection however
 * many cached stores it opens). Re-reads run on that connection, in order, each after the commit it
 * was told of: whatever the interleaving with this node's own writes, the last thing applied to a
 * cache is the latest row. A lost connection is reopened (backing off up to 5 s) and every cache
 * reloaded, since notifications sent meanwhile are gone.
 */
export function pgListener(pool: pg.Pool, spec: PgListenerSpec): PgListener {
  let hub: ListenHub | undefined;
  return {
    start: async () => {
      hub = hubOf(pool);
      await storageCall(spec.loading, () => (hub as ListenHub).join(spec)).catch((err: unknown) => {
        hub?.leave(spec);
        throw err;
      });
    },
    stop: () => hub?.leave(spec),
  };
}

const hubs = new WeakMap<pg.Pool, ListenHub>();

function hubOf(pool: pg.Pool): ListenHub {
  let hub = hubs.get(pool);
  if (hub === undefined) {
    const made: ListenHub = new ListenHub(pool, () => {
      // A store stopped twice must not drop the hub a later start made.
      if (hubs.get(pool) === made) hubs.delete(pool);
    });
    hub = made;
    hubs.set(pool, hub);
  }
  return hub;
}

/** One pool's listening connection and the stores that listen on it. */
class ListenHub {
  /** Stores whose cache is loaded and kept fresh; a store being started joins after its first load. */
  private readonly members = new Set<PgListenerSpec>();
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  /** The work on the connection, in order (pg queues it too, but concurrent queries on a client are deprecated). */
  private queue: Promise<unknown> = Promise.resolve();
  private retry: NodeJS.Timeout | undefined;
  private retryMs = RETRY_FIRST_MS;
  /** The last store left: a connection still being opened is closed when it arrives. */
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onEmpty: () => void,
  ) {}

  async join(spec: PgListenerSpec): Promise<void> {
    const client = await this.connected();
    await this.serial(async () => {
      await client.query(`LISTEN ${spec.channel}`);
      await spec.reload(client);
      this.members.add(spec);
    });
  }

  leave(spec: PgListenerSpec): void {
    this.members.delete(spec);
    if (this.members.size > 0) {
      if (![...this.members].some((m) => m.channel === spec.channel))
        this.serial(async () => this.client?.query(`UNLISTEN ${spec.channel}`)).catch(() => undefined);
      return;
    }
    this.closed = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.onEmpty();
  }

  /** The listening connection, opened (and every member's channel listened on and reloaded) when there is none. */
  private connected(): Promise<pg.Client> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    // The pool's own settings (URL, timeouts), on a connection the pool does not count.
    const next = new pg.Client(this.pool.options);
    next.on('error', (err) => this.lost(next, err));
    next.on('notification', (message) => this.notified(next, message));
    try {
      await next.connect();
      if (this.closed) throw new Error('every store stopped listening');
      // Notifications that arrive while the caches reload are applied after the reload (the queue).
      this.client = next;
      await this.serial(async () => {
        const channels = new Set([...this.members].map((m) => m.channel));
        for (const channel of channels) await next.query(`LISTEN ${channel}`);
        for (const member of this.members) await member.reload(next);
      });
    } catch (err) {
      if (this.client === next) this.client = undefined;
      next.end().catch(() => undefined);
      throw err;
    }
    this.retryMs = RETRY_FIRST_MS;
    return next;
  }

  /** Runs `work` after everything queued on the connection before it: one query at a time, in order. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private notified(from: pg.Client, message: pg.Notification): void {
    if (from !== this.client) return;
    for (const member of this.members) {
      // A failed re-read means a lost connection: `lost` reloads everything.
      if (member.channel !== message.channel) continue;
      this.serial(() => member.refresh(from, message.payload ?? '')).catch(() => undefined);
    }
  }

  private lost(which: pg.Client, err: Error): void {
    if (this.client !== which) return;
    this.client = undefined;
    which.end().catch(() => undefined);
    for (const member of this.members) member.onListenError?.(err);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.closed || this.client !== undefined) return;
      this.connected().catch(() => this.scheduleReconnect());
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
