import type pg from 'pg';
import type { GatewayEvent } from '../../core/events.js';
import type { QueuedMessage } from '../../core/types.js';
import { placement } from '../records.js';
import { OUTBOX_ROWS } from './pg-outbox.js';

/** A queue_messages row as the reads select it (MESSAGE_COLUMNS). */
export interface MessageRow {
  readonly id: string;
  readonly record: QueuedMessage;
}

export const MESSAGE_COLUMNS = 'id, record';

export const messageOfRow = (row: MessageRow): QueuedMessage => row.record;

/** The columns derived from a record on every write (see 004-queue.sql). */
export interface DerivedColumns {
  readonly lane: 0 | 1 | null;
  readonly dueAt: number | null;
  readonly heldAt: number | null;
  readonly completedAt: number | null;
  /** Recipients not yet final, by status. */
  readonly queued: number;
  readonly deferred: number;
  readonly held: number;
}

/** One definition of "due" for both engines: records.ts placement(). */
export function derivedColumns(msg: QueuedMessage): DerivedColumns {
  const at = placement(msg);
  const lane = at === undefined || at.index === 'held' ? null : at.index === 'incoming' ? 0 : 1;
  const count = (status: string) => msg.recipients.filter((r) => r.status === status).length;
  return {
    lane,
    dueAt: lane === null || at === undefined ? null : at.key[0],
    heldAt: msg.heldAt ?? null,
    completedAt: msg.completedAt ?? null,
    queued: count('queued'),
    deferred: count('deferred'),
    held: count('held'),
  };
}

/** A lease a write gives the row: this node's id until `until` (ms since epoch). */
export interface Lease {
  readonly node: string;
  readonly until: number;
}

const INSERT_COLUMNS =
  'id, tenant_id, received_at, completed_at, held_at, lane, due_at, lease_node, lease_until, ' +
  'n_queued, n_deferred, n_held, record';
const PER_ROW = 13;

/** The parameters of one row of INSERT_COLUMNS. */
function rowParams(record: QueuedMessage, lease: Lease | undefined): unknown[] {
  const d = derivedColumns(record);
  const leased = lease !== undefined && d.lane !== null;
  return [
    record.id,
    record.tenantId,
    record.receivedAt,
    d.completedAt,
    d.heldAt,
    d.lane,
    d.dueAt,
    leased ? lease.node : null,
    leased ? lease.until : null,
    d.queued,
    d.deferred,
    d.held,
    JSON.stringify(record),
  ];
}

const placeholders = (rows: number, width: number, offset = 0): string =>
  Array.from(
    { length: rows },
    (_, r) => `(${Array.from({ length: width }, (_, c) => `$${offset + r * width + c + 1}`).join(', ')})`,
  ).join(', ');

/** A new message as the grouped insert takes it, with its webhook events (pg-outbox.ts). */
export interface NewRow {
  readonly record: QueuedMessage;
  readonly body: Buffer;
  readonly leased: boolean;
  readonly events?: readonly GatewayEvent[];
}

/**
 * New messages with their bodies and their events in ONE statement (a statement is its own
 * transaction: one round trip and one commit for the whole group). Fails as a whole when an id is
 * already in use.
 */
export function insertStatement(
  rows: ReadonlyArray<NewRow>,
  lease: Lease | undefined,
): { readonly text: string; readonly values: unknown[] } {
  const values: unknown[] = [];
  for (const { record, leased } of rows) values.push(...rowParams(record, leased ? lease : undefined));
  const bodyOffset = values.length;
  for (const { record, body } of rows) values.push(record.id, body);
  const events = rows.flatMap((r) => r.events ?? []);
  const outbox =
    events.length === 0
      ? ''
      : `, o AS (INSERT INTO webhook_outbox (id, event) ${OUTBOX_ROWS(`$${values.push(JSON.stringify(events))}`)})`;
  const text = `WITH m AS (INSERT INTO queue_messages (${INSERT_COLUMNS}) VALUES ${placeholders(rows.length, PER_ROW)})
    ${outbox} INSERT INTO queue_bodies (id, bytes) VALUES ${placeholders(rows.length, 2, bodyOffset)}`;
  return { text, values };
}

/**
 * Inside the caller's transaction: one new message and its body; false (nothing written) when
 * the id is in use and `skipExisting` (a copy built again by a retry), else the insert fails.
 */
export async function insertRecord(
  client: pg.ClientBase,
  record: QueuedMessage,
  body: Buffer,
  options: { readonly lease?: Lease; readonly skipExisting?: boolean } = {},
): Promise<boolean> {
  const conflict = options.skipExisting ? ' ON CONFLICT (id) DO NOTHING' : '';
  const inserted = await client.query(
    `INSERT INTO queue_messages (${INSERT_COLUMNS}) VALUES ${placeholders(1, PER_ROW)}${conflict}`,
    rowParams(record, options.lease),
  );
  if (inserted.rowCount === 0) return false;
  await client.query('INSERT INTO queue_bodies (id, bytes) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
    record.id,
    body,
  ]);
  return true;
}

/** Inside the caller's transaction: the record and its derived columns; the lease as given (undefined: cleared). */
export async function updateRecord(
  client: pg.ClientBase,
  record: QueuedMessage,
  lease: Lease | undefined,
): Promise<void> {
  const [, , , ...changed] = rowParams(record, lease);
  await client.query(
    `UPDATE queue_messages SET completed_at = $2, held_at = $3, lane = $4, due_at = $5, lease_node = $6,
       lease_until = $7, n_queued = $8, n_deferred = $9, n_held = $10, record = $11 WHERE id = $1`,
    [record.id, ...changed],
  );
}
