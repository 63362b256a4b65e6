import { createHash } from 'node:crypto';

/**
 * A row of counts another node (or worker process) holds: its count of one key in one window, as
 * last read (PostgreSQL's `shared_counts`, or the rows cluster/ipc-shared-counts.ts receives).
 */
export interface RemoteRow {
  readonly kind: string;
  readonly key: string;
  readonly node: string;
  readonly slot: number;
  readonly expiresAt: number;
  readonly count: number;
}

/**
 * Longer keys (an AUTH user name can be long) go into rows as their hash, so a row's size is bounded:
 * a PostgreSQL index entry has a size limit, and the primary of a machine's workers holds every row.
 */
const LONGEST_KEY = 200;

/** The name a key has in rows: itself, or the SHA-256 of a key longer than LONGEST_KEY. */
export function rowKey(key: string): string {
  return key.length <= LONGEST_KEY ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** One node's live rows of a key as flat pairs [expiresAt, count, …], in the order of expiresAt. */
type NodeRows = number[];

/**
 * The other nodes' counts as last read: per (kind, key) and node, that node's rows' counts
 * (absolute, so reading a row twice is harmless), kept as flat number pairs: a tenant sending
 * through three other nodes all hour costs a few KB, not an object per row. Within a node's rows
 * a window's end names its row (slots of one key end at different times). A total leaves out rows
 * whose window has ended, so a count stops mattering on time even while the others cannot be
 * read. Bounded: past `maxKeys` the key read least recently goes.
 */
export class RemoteCounts {
  private readonly byKey = new Map<string, Map<string, NodeRows>>();

  constructor(private readonly maxKeys: number) {}

  set(row: RemoteRow): void {
    const id = keyId(row.kind, row.key);
    const nodes = this.byKey.get(id) ?? new Map<string, NodeRows>();
    const rows = nodes.get(row.node) ?? [];
    put(rows, row.expiresAt, row.count);
    nodes.set(row.node, rows);
    this.byKey.delete(id);
    this.byKey.set(id, nodes);
    while (this.byKey.size > this.maxKeys) {
      const oldest = this.byKey.keys().next();
      if (oldest.done) break;
      this.byKey.delete(oldest.value);
    }
  }

  total(kind: string, key: string, now: number): number {
    const id = keyId(kind, key);
    const nodes = this.byKey.get(id);
    if (nodes === undefined) return 0;
    let sum = 0;
    for (const [node, rows] of nodes) {
      dropEnded(rows, now);
      if (rows.length === 0) nodes.delete(node);
      for (let i = 1; i < rows.length; i += 2) sum += rows[i] ?? 0;
    }
    if (nodes.size === 0) this.byKey.delete(id);
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

/** Sets the count of the row ending at `expiresAt`, keeping the pairs in the order of their ends. */
function put(rows: NodeRows, expiresAt: number, count: number): void {
  let i = rows.length - 2;
  while (i >= 0 && (rows[i] ?? 0) > expiresAt) i -= 2;
  if (i >= 0 && rows[i] === expiresAt) rows[i + 1] = count;
  else rows.splice(i + 2, 0, expiresAt, count);
}

/** Removes the pairs whose window has ended at `now` (they come first). */
function dropEnded(rows: NodeRows, now: number): void {
  let ended = 0;
  while (ended < rows.length && (rows[ended] ?? 0) <= now) ended += 2;
  if (ended > 0) rows.splice(0, ended);
}

function keyId(kind: string, key: string): string {
  return `${kind}\u0000${key}`;
}
