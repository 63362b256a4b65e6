import type { CountBucket } from '../core/shared-counts.js';
import { type CountRow, countKeyId } from './counts-message.js';

interface MutableRow {
  readonly kind: string;
  readonly key: string;
  readonly slot: number;
  readonly expiresAt: number;
  count: number;
}

/**
 * This worker's own counts as rows (a row per kind, key and bucket, absolute) and which of them
 * changed since the last send: what the others are told. Held by key, so forgetting a key is one
 * step; a key keeps only its buckets still in their window. Bounded: past `maxKeys` the key counted
 * least recently goes (its buckets stay counted in the worker's LocalCounts; were it counted again
 * in the same bucket, the others would see only the counts since).
 */
export class OwnRows {
  private readonly byKey = new Map<string, Map<number, MutableRow>>();
  private readonly changed = new Set<MutableRow>();

  constructor(private readonly maxKeys: number) {}

  add(kind: string, key: string, bucket: CountBucket, n: number, now: number): void {
    const id = countKeyId(kind, key);
    const rows = this.byKey.get(id) ?? new Map<number, MutableRow>();
    this.dropEnded(rows, now);
    let row = rows.get(bucket.start);
    if (row === undefined) {
      row = { kind, key, slot: bucket.start, expiresAt: bucket.expiresAt, count: 0 };
      rows.set(bucket.start, row);
    }
    row.count += n;
    this.changed.add(row);
    this.byKey.delete(id);
    this.byKey.set(id, rows);
    while (this.byKey.size > this.maxKeys) {
      const oldest = this.byKey.keys().next();
      if (oldest.done) break;
      this.drop(oldest.value);
    }
  }

  /** The rows changed since the last call that are still in their window, as copies to send. */
  takeChanged(now: number): CountRow[] {
    const rows: CountRow[] = [];
    for (const row of this.changed) if (row.expiresAt > now) rows.push({ ...row });
    this.changed.clear();
    return rows;
  }

  /** Drops the keys whose every bucket has left its window (a key counted once is otherwise held for good). */
  prune(now: number): void {
    for (const [id, rows] of this.byKey) {
      this.dropEnded(rows, now);
      if (rows.size === 0) this.byKey.delete(id);
    }
  }

  forget(kind: string, key: string): void {
    this.drop(countKeyId(kind, key));
  }

  get size(): number {
    return this.byKey.size;
  }

  private drop(id: string): void {
    for (const row of this.byKey.get(id)?.values() ?? []) this.changed.delete(row);
    this.byKey.delete(id);
  }

  private dropEnded(rows: Map<number, MutableRow>, now: number): void {
    for (const [slot, row] of rows) {
      if (row.expiresAt > now) continue;
      rows.delete(slot);
      this.changed.delete(row);
    }
  }
}
