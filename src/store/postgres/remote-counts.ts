/** A row of `shared_counts` another node wrote, as last read. */
export interface RemoteRow {
  readonly kind: string;
  readonly key: string;
  readonly node: string;
  readonly slot: number;
  readonly expiresAt: number;
  readonly count: number;
}

interface Cell {
  readonly expiresAt: number;
  readonly count: number;
}

/**
 * The other nodes' counts as last read: per (kind, key), a cell per (node, slot) holding that row's
 * count (absolute, so reading a row twice is harmless). A total leaves out cells whose window has
 * ended, so a count stops mattering on time even while the database cannot be read. Bounded: past
 * `maxKeys` the key read least recently goes.
 */
export class RemoteCounts {
  private readonly byKey = new Map<string, Map<string, Cell>>();

  constructor(private readonly maxKeys: number) {}

  set(row: RemoteRow): void {
    const id = keyId(row.kind, row.key);
    const cells = this.byKey.get(id) ?? new Map<string, Cell>();
    cells.set(`${row.node}\u0000${row.slot}`, { expiresAt: row.expiresAt, count: row.count });
    this.byKey.delete(id);
    this.byKey.set(id, cells);
    while (this.byKey.size > this.maxKeys) {
      const oldest = this.byKey.keys().next();
      if (oldest.done) break;
      this.byKey.delete(oldest.value);
    }
  }

  total(kind: string, key: string, now: number): number {
    const id = keyId(kind, key);
    const cells = this.byKey.get(id);
    if (cells === undefined) return 0;
    let sum = 0;
    for (const [cellId, cell] of cells) {
      if (cell.expiresAt > now) sum += cell.count;
      else cells.delete(cellId);
    }
    if (cells.size === 0) this.byKey.delete(id);
    return sum;
  }

  /** The keys of a kind held (some may have just left their window). */
  keys(kind: string): string[] {
    const prefix = keyId(kind, '');
    return [...this.byKey.keys()].filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length));
  }

  forget(kind: string, key: string): void {
    this.byKey.delete(keyId(kind, key));
  }

  get size(): number {
    return this.byKey.size;
  }
}

function keyId(kind: string, key: string): string {
  return `${kind}\u0000${key}`;
}
