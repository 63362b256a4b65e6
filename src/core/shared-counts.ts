/**
 * What a counter counts and over which window. The name is the same on every node: nodes that
 * share counts (store/postgres/pg-shared-counts.ts) add up what each counted under that name.
 */
export interface CountKind {
  /** Stable across nodes and releases, e.g. `auth-ip`. */
  readonly name: string;
  readonly windowMs: number;
  /**
   * A sliding window in this many slots of windowMs/slots each, aligned to the clock (the window is
   * approximate by one slot). Absent: a fixed window that starts at the key's first count and ends
   * windowMs later; the next count after it starts a new one.
   */
  readonly slots?: number;
  /** Keys kept at most (a client can otherwise grow them without limit); the least recently counted go. */
  readonly maxKeys: number;
}

/**
 * Windowed counts by key that every node adds to and reads the cluster's total of: failed AUTH
 * attempts per client, messages per tenant. Both calls are synchronous and never wait on a
 * network: a shared engine adds locally at once, sends its deltas and reads the other nodes' counts
 * in the background, so `total` is this node's count plus the others' as last read.
 */
export interface SharedCounts {
  add(kind: CountKind, key: string, n: number, now: number): void;
  total(kind: CountKind, key: string, now: number): number;
  /** The keys of a kind this node holds counts of (tenant purge looks here); some may have just left their window. */
  keys(kind: CountKind): string[];
  /** Drops a key's counts (on every node, for a shared engine: a purged tenant). */
  forget(kind: CountKind, key: string): void;
}

/** The span a count was added to: a slot of a sliding window or a fixed window from its first count. */
export interface CountBucket {
  /** Milliseconds since the epoch: the slot's start, or the fixed window's first count. */
  readonly start: number;
  readonly expiresAt: number;
}
