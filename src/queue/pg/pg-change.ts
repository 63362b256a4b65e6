import type pg from 'pg';
import type { EventInterest } from '../../core/events.js';
import type { QueuedMessage } from '../../core/types.js';
import { inTransaction } from '../../store/postgres/pg-transaction.js';
import { eventsOfChange, wantsFrom } from '../event-outbox.js';
import { putPgEvents } from './pg-outbox.js';
import { derivedColumns, updateRecord, type Lease } from './pg-records.js';

/** The channel schedulers LISTEN on: `due` (work to claim) or `changed <id>` (a leased row changed elsewhere). */
export const QUEUE_CHANNEL = 'postbode_queue';

export interface PgChange {
  readonly before: QueuedMessage;
  readonly after: QueuedMessage;
}

/** What a state change needs besides the row: the pool, and how the changing node treats leases. */
export interface PgChangeContext {
  readonly pool: pg.Pool;
  /** The changing node: a row it leases itself needs no notice to anyone. */
  readonly nodeId?: string;
  /** The lease the row keeps after the change (default: the one it had, dropped once nothing is due). */
  readonly leaseAfter?: (after: QueuedMessage, current: Lease | undefined) => Lease | undefined;
  /** Told of each committed change (the queue's working set and counters follow it). */
  readonly onChanged?: (change: PgChange, lease: Lease | undefined) => void;
  /** For telling a live lease from an expired one (ms since epoch); default Date.now. */
  readonly now?: () => number;
  /** Which webhook events tenants want: those of the change go into the outbox table in its transaction. */
  readonly interest?: EventInterest;
}

interface LockedRow {
  readonly record: QueuedMessage;
  readonly lease_node: string | null;
  readonly lease_until: string | null;
}

const defaultLease = (after: QueuedMessage, current: Lease | undefined): Lease | undefined =>
  derivedColumns(after).lane === null ? undefined : current;

/**
 * The one way a message's state changes on PostgreSQL: in one transaction the row is locked
 * (`FOR UPDATE`), `next` (a pure function of records.ts, admin-actions.ts, review-records.ts,
 * late-outcomes.ts) gives the new record, the row and its derived columns are written, `also`
 * adds writes of its own, the change's webhook events join the outbox, and whoever must act is told
 * at commit (NOTIFY). undefined, with
 * nothing written, for an unknown id. The body stays (the bodies table is also the archive;
 * the retention purge deletes it); the rendering goes once the message is complete.
 */
export async function changeMessage(
  ctx: PgChangeContext,
  id: string,
  next: (msg: QueuedMessage) => QueuedMessage,
  also?: (client: pg.PoolClient, after: QueuedMessage) => Promise<unknown>,
): Promise<PgChange | undefined> {
  const result = await inTransaction(ctx.pool, `queue change of ${id}`, async (client) => {
    const { rows } = await client.query<LockedRow>(
      'SELECT record, lease_node, lease_until FROM queue_messages WHERE id = $1 FOR UPDATE',
      [id],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const before = row.record;
    const after = next(before);
    const current = row.lease_node === null ? undefined : { node: row.lease_node, until: Number(row.lease_until) };
    const lease = (ctx.leaseAfter ?? defaultLease)(after, current);
    await updateRecord(client, after, lease);
    if (after.completedAt !== undefined && before.completedAt === undefined)
      await client.query('DELETE FROM queue_rendered WHERE id = $1', [id]);
    if (also) await also(client, after);
    const now = (ctx.now ?? Date.now)();
    await putPgEvents(client, eventsOfChange(before, after, now, wantsFrom(ctx.interest, after.tenantId)));
    const elsewhere = current !== undefined && current.node !== ctx.nodeId ? current : undefined;
    const notice = noticeOf(after, elsewhere, lease, now);
    if (notice !== undefined) await client.query('SELECT pg_notify($1, $2)', [QUEUE_CHANNEL, notice]);
    return { change: { before, after }, lease };
  });
  if (result === undefined) return undefined;
  ctx.onChanged?.(result.change, result.lease);
  return result.change;
}

/** Due and nobody's: any scheduler may take it. Leased by another node: that node re-reads it. */
function noticeOf(
  after: QueuedMessage,
  elsewhere: Lease | undefined,
  lease: Lease | undefined,
  now: number,
): string | undefined {
  if (elsewhere !== undefined && elsewhere.until > now) return `changed ${after.id}`;
  if (lease === undefined && derivedColumns(after).lane !== null) return 'due';
  return undefined;
}
