import type { QueuedMessage } from '../../core/types.js';
import { derivedColumns } from './pg-records.js';

interface Held {
  readonly record: QueuedMessage;
  /** Loaded with the claim, or kept from the enqueue; read from the database when absent. */
  readonly body?: Buffer;
  readonly lane: 0 | 1;
  readonly dueAt: number;
}

/**
 * The messages this node holds a lease on, with their bodies: what its scheduler reads
 * synchronously (due, dueOf, dueTenants, nextDueAt). Bounded by the claimer (it claims only
 * into free room); a message leaves when it is complete, held, deferred past the claim horizon,
 * or its lease is lost.
 */
export class WorkingSet {
  private readonly byId = new Map<string, Held>();

  get size(): number {
    return this.byId.size;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  body(id: string): Buffer | undefined {
    return this.byId.get(id)?.body;
  }

  /** Keeps `record` (and `body`, else the one already kept); drops it when it is no longer due. */
  put(record: QueuedMessage, body?: Buffer): void {
    const { lane, dueAt } = derivedColumns(record);
    if (lane === null || dueAt === null) {
      this.byId.delete(record.id);
      return;
    }
    const kept = body ?? this.byId.get(record.id)?.body;
    this.byId.set(record.id, { record, lane, dueAt, ...(kept === undefined ? {} : { body: kept }) });
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }

  /** Due at `now`, fresh mail first (by arrival), then deferred mail by due time; at most `limit`. */
  due(now: number, limit: number, exclude: ReadonlySet<string>, tenantId?: string): QueuedMessage[] {
    if (limit <= 0) return [];
    const due: Held[] = [];
    for (const held of this.byId.values()) {
      if (held.dueAt > now || exclude.has(held.record.id)) continue;
      if (tenantId !== undefined && held.record.tenantId !== tenantId) continue;
      due.push(held);
    }
    due.sort((a, b) => a.lane - b.lane || a.dueAt - b.dueAt || (a.record.id < b.record.id ? -1 : 1));
    return due.slice(0, limit).map((h) => h.record);
  }

  tenants(): string[] {
    const out = new Set<string>();
    for (const held of this.byId.values()) out.add(held.record.tenantId);
    return [...out];
  }

  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const held of this.byId.values()) if (next === undefined || held.dueAt < next) next = held.dueAt;
    return next;
  }
}
