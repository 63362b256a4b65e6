import pg from 'pg';

export interface PgPoolOptions {
  /** Connections at most (pg's default: 10). */
  readonly max?: number;
  /** An idle connection failed (the server went away); the pool drops it and opens a new one when needed. */
  readonly onIdleError?: (err: Error) => void;
}

/** A refused or silent server answers within this time rather than holding a caller forever. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The pool of connections to the shared database, opened from a URL. The URL carries the password:
 * it goes to the driver and nowhere else (say `redactUrl(url)` where it must be named).
 */
export function openPgPool(url: string, options: PgPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'postbode',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A commit answers only once it is on disk, whatever the server's or the database's default says:
    // the stores promise durability (a 250 will rest on it).
    options: '-c synchronous_commit=on',
    ...(options.max === undefined ? {} : { max: options.max }),
  });
  // Without a listener, an idle connection's error (a server restart) would crash the process.
  pool.on('error', options.onIdleError ?? (() => undefined));
  return pool;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}
