import type { Database } from 'lmdb';
import type { QueuedMessage } from '../core/types.js';
import type { Placement } from './records.js';

/**
 * `[tenantId, lane, time, id]`: the due indexes again, grouped by tenant, so that delivery can
 * take the next messages of one tenant without reading past another tenant's backlog. Lane 0
 * mirrors `incoming` (never attempted, by arrival), lane 1 mirrors `deferred` (by due time):
 * fresh mail still comes before retries within a tenant. Held messages have no entry.
 */
export type TenantDueKey = [string, number, number, string];

export function tenantDueKey(tenantId: string, where: Placement | undefined): TenantDueKey | undefined {
  if (!where || where.index === 'held') return undefined;
  return [tenantId, where.index === 'incoming' ? 0 : 1, where.key[0], where.key[1]];
}

/**
 * Due messages of one tenant, fresh lane first. Like readDue it is a bounded range read: per
 * lane it stops at the first key not yet due and reads at most `limit + exclude.size` keys.
 */
export function readTenantDue(
  index: Database<true, TenantDueKey>,
  messages: Database<QueuedMessage, string>,
  tenantId: string,
  query: { readonly now: number; readonly limit: number; readonly exclude: ReadonlySet<string> },
): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (const lane of [0, 1]) {
    if (out.length >= query.limit) break;
    const keys = index.getKeys({
      start: [tenantId, lane],
      end: [tenantId, lane + 1],
      limit: query.limit - out.length + query.exclude.size,
    });
    for (const [, , dueAt, id] of keys) {
      if (dueAt > query.now || out.length >= query.limit) break;
      if (query.exclude.has(id)) continue;
      const msg = messages.get(id);
      if (msg) out.push(msg);
    }
  }
  return out;
}
