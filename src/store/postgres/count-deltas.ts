/** What this node counted into one row of `shared_counts` since its last successful send. */
export interface CountDelta {
  readonly kind: string;
  readonly key: string;
  readonly slot: number;
  readonly expiresAt: number;
  n: number;
}

/**
 * The deltas waiting to be sent, one per (kind, key, slot), so one send is one multi-row upsert
 * with no row twice. Bounded: past `max` the oldest go (while the database is unreachable a
 * flood of new keys must not grow memory; the local counts still hold them).
 */
export class CountDeltas {
  private pending = new Map<string, CountDelta>();

  constructor(private readonly max: number) {}

  add(kind: string, key: string, slot: number, expiresAt: number, n: number): void {
    const id = `${kind}\u0000${key}\u0000${slot}`;
    const delta = this.pending.get(id);
    if (delta !== undefined) {
      delta.n += n;
      return;
    }
    this.pending.set(id, { kind, key, slot, expiresAt, n });
    while (this.pending.size > this.max) {
      const oldest = this.pending.keys().next();
      if (oldest.done) break;
      this.pending.delete(oldest.value);
    }
  }

  /** Takes up to `limit` deltas still in their window, oldest first; the rest wait for the next send. */
  take(limit: number, now: number): CountDelta[] {
    const taken: CountDelta[] = [];
    for (const [id, delta] of this.pending) {
      if (taken.length >= limit) break;
      this.pending.delete(id);
      if (delta.expiresAt > now) taken.push(delta);
    }
    return taken;
  }

  /** A send failed: its deltas wait again (added to what was counted meanwhile). */
  restore(deltas: readonly CountDelta[]): void {
    for (const d of deltas) this.add(d.kind, d.key, d.slot, d.expiresAt, d.n);
  }

  forget(kind: string, key: string): void {
    for (const [id, delta] of this.pending) if (delta.kind === kind && delta.key === key) this.pending.delete(id);
  }

  get size(): number {
    return this.pending.size;
  }
}
