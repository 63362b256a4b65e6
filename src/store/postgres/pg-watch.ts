import type pg from 'pg';
import type { Logger } from '../../core/logger.js';

/** What the node knows of its database: reachable, or not since when and why. */
export interface DatabaseState {
  readonly backend: 'postgres';
  readonly state: 'up' | 'down';
  /** When the state last changed (ms since epoch). */
  readonly since: number;
  /** The last probe's or the pool's error while down (never the URL, which holds the password). */
  readonly error?: string;
}

export interface DatabaseWatch {
  /** False from the first failed probe (or pool error) until a probe succeeds again. */
  up(): boolean;
  state(): DatabaseState;
  /** Probe now (a pool error asks for one); resolves after it. */
  probe(): Promise<void>;
  stop(): void;
}

export interface DatabaseWatchOptions {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** Default 1 s. */
  readonly everyMs?: number;
  /** A probe that has not answered by then counts as failed. Default 1.5 s. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/**
 * A `SELECT 1` every second with a short timeout: the SMTP listener answers 421/451 and /readyz 503
 * while the database cannot commit, and both serve again on the first probe that answers, without a
 * restart. One probe at a time, so a silent server does not pile up connections.
 */
export function watchDatabase(options: DatabaseWatchOptions): DatabaseWatch {
  const now = options.now ?? Date.now;
  let current: DatabaseState = { backend: 'postgres', state: 'up', since: now() };
  let running: Promise<void> | undefined;
  const set = (up: boolean, error?: string) => {
    if ((current.state === 'up') === up) {
      if (!up && error !== undefined) current = { ...current, error };
      return;
    }
    current = up
      ? { backend: 'postgres', state: 'up', since: now() }
      : { backend: 'postgres', state: 'down', since: now(), ...(error === undefined ? {} : { error }) };
    if (up) options.logger.warn('database reachable again: accepting mail');
    else options.logger.error({ error }, 'database unreachable: refusing new mail with 421/451 until it answers');
  };
  const probe = (): Promise<void> => {
    running ??= probeOnce(options.pool, options.timeoutMs ?? 1_500)
      .then(
        () => set(true),
        (err: unknown) => set(false, describe(err)),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const onPoolError = (err: Error) => {
    set(false, describe(err));
    void probe();
  };
  options.pool.on('error', onPoolError);
  const timer = setInterval(() => void probe(), options.everyMs ?? 1_000);
  timer.unref();
  return {
    up: () => current.state === 'up',
    state: () => current,
    probe,
    stop() {
      clearInterval(timer);
      options.pool.off('error', onPoolError);
    },
  };
}

async function probeOnce(pool: pg.Pool, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to SELECT 1 within ${timeoutMs} ms`)), timeoutMs);
  });
  const query = pool.query('SELECT 1');
  // A query that loses the race must not surface as an unhandled rejection later.
  query.catch(() => undefined);
  try {
    await Promise.race([query, late]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
