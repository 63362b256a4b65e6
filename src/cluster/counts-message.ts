/** The tag on every counts message: other traffic on the same process channel is left alone. */
export const COUNTS_TAG = 'postbode:counts';

/**
 * A worker's count of one key in one window's bucket, absolute (not a delta): a row that arrives
 * twice, or again in a snapshot, changes nothing. `key` is already `rowKey`'s short form.
 */
export interface CountRow {
  readonly kind: string;
  readonly key: string;
  /** The bucket's start: a slot of a sliding window, or a fixed window's first count (ms since the epoch). */
  readonly slot: number;
  /** When the bucket leaves its window: the row stops counting then (and names it among its worker's rows). */
  readonly expiresAt: number;
  readonly count: number;
}

export interface CountKey {
  readonly kind: string;
  readonly key: string;
}

/**
 * What goes between a worker and the primary over the process channel. A worker sends the rows it
 * changed and the keys it forgot, under its name (`from`); the primary forwards the message to the
 * other workers as it is. `hello` from a worker says it has just started listening: the primary
 * answers it with the rows it holds, one message per worker that counted them, the last of which
 * carries `hello` too (the snapshot is complete).
 */
export interface CountsMessage {
  readonly t: typeof COUNTS_TAG;
  readonly from: string;
  readonly rows: readonly CountRow[];
  readonly forgotten?: readonly CountKey[];
  readonly hello?: true;
}

/** Is `msg` a well-formed counts message (anything else on the channel is someone else's)? */
export function isCountsMessage(msg: unknown): msg is CountsMessage {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as Record<string, unknown>;
  if (m.t !== COUNTS_TAG || typeof m.from !== 'string' || !Array.isArray(m.rows)) return false;
  if (m.hello !== undefined && m.hello !== true) return false;
  if (m.forgotten !== undefined && !(Array.isArray(m.forgotten) && m.forgotten.every(isCountKey))) return false;
  return m.rows.every(isCountRow);
}

function isCountKey(value: unknown): value is CountKey {
  if (typeof value !== 'object' || value === null) return false;
  const k = value as Record<string, unknown>;
  return typeof k.kind === 'string' && typeof k.key === 'string';
}

function isCountRow(value: unknown): value is CountRow {
  if (!isCountKey(value)) return false;
  const r = value as unknown as Record<string, unknown>;
  return [r.slot, r.expiresAt, r.count].every((n) => typeof n === 'number' && Number.isFinite(n));
}

/** The id of a (kind, key) pair in the tables that hold rows by key. */
export function countKeyId(kind: string, key: string): string {
  return `${kind}\u0000${key}`;
}
