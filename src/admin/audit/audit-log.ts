import type { Database } from 'lmdb';
import type { Storage } from '../../store/storage.js';
import { newQueueId } from '../../core/ids.js';

/**
 * One change made through the API (or the CLI): who, when, which route and object, and the
 * NAMES of the fields it changed. Never values: a rotated password is `smtpPassword`, not the password.
 */
export interface AuditEntry {
  /** Sorts by time (a queue id made from `at`). */
  readonly id: string;
  readonly at: number;
  /** Token id, 'admin' for the admin token(s), 'cli' for the command line. */
  readonly actor: string;
  /** The tenant the change concerns, when there is one: tenants read their own entries. */
  readonly tenantId?: string;
  readonly method: string;
  /** The route pattern, e.g. `/tenants/:id`. */
  readonly route: string;
  readonly targetId: string;
  readonly fieldsChanged: readonly string[];
  /** HTTP status of the answer (failed attempts are recorded too). */
  readonly status: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  readonly limit: number;
  /** Only entries older than this entry id. */
  readonly before?: string;
  /** Only this tenant's entries. */
  readonly tenantId?: string;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: AuditEntry[];
  /** Pass as `before` for the next page; absent at the end. */
  readonly next?: string;
}

export interface AuditLog {
  record(entry: NewAuditEntry): Promise<AuditEntry>;
  list(query: AuditQuery): Promise<AuditPage>;
  /** Deletes entries recorded before `olderThan` (ms); returns how many. */
  purgeOlderThan(olderThan: number): Promise<number>;
  close(): Promise<void>;
}

/** Most entries one list call returns. */
export const AUDIT_MAX_LIMIT = 500;

/**
 * The audit log in its own named databases (`audit/…` in the storage): entries by id (time order),
 * plus `<tenantId>:<id>` keys so that a tenant's page is a range read, not a scan.
 */
export function openAuditLog(storage: Storage): AuditLog {
  const root = storage.open('audit');
  const entries: Database<AuditEntry, string> = root.openDB({ name: 'entries', encoding: 'json' });
  const byTenant: Database<true, string> = root.openDB({ name: 'entries-by-tenant', encoding: 'json' });
  let lastId: string | undefined;

  return {
    async record(input) {
      lastId = laterId(input.at, lastId);
      const entry: AuditEntry = { id: lastId, ...input, fieldsChanged: [...input.fieldsChanged] };
      await root.transaction(() => {
        void entries.put(entry.id, entry);
        if (entry.tenantId !== undefined) void byTenant.put(`${entry.tenantId}:${entry.id}`, true);
      });
      return entry;
    },
    async list(query) {
      const limit = Math.min(Math.max(1, Math.floor(query.limit)), AUDIT_MAX_LIMIT);
      const ids =
        query.tenantId === undefined
          ? [...entries.getKeys(newestFirst(query.before, limit + 1))]
          : tenantIds(byTenant, query.tenantId, query.before, limit + 1);
      const page = ids
        .slice(0, limit)
        .map((id) => entries.get(id))
        .filter((e): e is AuditEntry => e !== undefined);
      const last = page.at(-1);
      return { entries: page, ...(ids.length > limit && last ? { next: last.id } : {}) };
    },
    async purgeOlderThan(olderThan) {
      let purged = 0;
      // Ids sort by time: the oldest come first; a bounded batch per transaction.
      for (let more = true; more; ) {
        const old = [...entries.getRange({ limit: PURGE_BATCH })]
          .filter(({ value }) => value.at < olderThan)
          .map(({ value }) => value);
        if (old.length === 0) break;
        await root.transaction(() => {
          for (const e of old) {
            void entries.remove(e.id);
            if (e.tenantId !== undefined) void byTenant.remove(`${e.tenantId}:${e.id}`);
          }
        });
        purged += old.length;
        more = old.length === PURGE_BATCH;
      }
      return purged;
    },
    async close() {
      await root.close();
    },
  };
}

const PURGE_BATCH = 1000;

const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A time-sorted id after `last`: two changes recorded by this process in the same
 * millisecond keep their order (a queue id's random part alone would not). Ids of other
 * nodes still sort by time; within one millisecond their order is arbitrary.
 */
export function laterId(at: number, last: string | undefined): string {
  const id = newQueueId(at);
  if (last === undefined || id > last) return id;
  const chars = [...last];
  for (let i = chars.length - 1; i >= 0; i--) {
    const next = BASE32.indexOf(chars[i] ?? '0') + 1;
    chars[i] = BASE32[next % 32] ?? '0';
    if (next < 32) break;
  }
  return chars.join('');
}

function newestFirst(
  before: string | undefined,
  limit: number,
): { reverse: true; limit: number; start?: string; exclusiveStart?: boolean } {
  return { reverse: true, limit, ...(before === undefined ? {} : { start: before, exclusiveStart: true }) };
}

/** Entry ids of one tenant, newest first: a reverse range read over `<tenantId>:<id>` keys. */
function tenantIds(
  byTenant: Database<true, string>,
  tenantId: string,
  before: string | undefined,
  limit: number,
): string[] {
  const prefix = `${tenantId}:`;
  // ';' follows ':' in ASCII: `<tenantId>;` sorts after every key of this tenant.
  const start = before === undefined ? `${tenantId};` : `${prefix}${before}`;
  const keys = byTenant.getKeys({ reverse: true, start, end: prefix, limit, exclusiveStart: true });
  return [...keys].map((key) => key.slice(prefix.length));
}
