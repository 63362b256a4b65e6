import type pg from 'pg';
import type { QueuedMessage } from '../../core/types.js';
import type { QueueDepth } from '../depth-counter.js';
import { QUEUE_CHANNEL } from './pg-change.js';

export interface Claimed {
  readonly record: QueuedMessage;
  readonly body: Buffer | null;
  /** The node whose lease this claim replaced (expired), or null when nobody held it. */
  readonly previous: string | null;
}

/**
 * Takes up to `limit` messages due within the horizon that nobody holds (or whose lease
 * expired: a node died), fresh mail first, with their bodies. SKIP LOCKED: nodes claiming at
 * once never wait on each other and never take the same row.
 */
export async function claimDue(
  pool: pg.Pool,
  c: {
    readonly node: string;
    readonly now: number;
    readonly horizonMs: number;
    readonly leaseMs: number;
    readonly limit: number;
  },
): Promise<Claimed[]> {
  const { rows } = await pool.query<Claimed>(
    `WITH c AS (
       SELECT id, lease_node FROM queue_messages
        WHERE lane IS NOT NULL AND due_at <= $1 AND (lease_until IS NULL OR lease_until < $2)
        ORDER BY lane, due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
     UPDATE queue_messages m SET lease_node = $4, lease_until = $5 FROM c WHERE m.id = c.id
     RETURNING m.record, c.lease_node AS previous, (SELECT bytes FROM queue_bodies b WHERE b.id = m.id) AS body`,
    [c.now + c.horizonMs, c.now, c.limit, c.node, c.now + c.leaseMs],
  );
  return rows;
}

/** Extends this node's leases on `ids`; answers the ids it still holds. */
export async function renewLeases(
  pool: pg.Pool,
  node: string,
  ids: readonly string[],
  until: number,
): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    'UPDATE queue_messages SET lease_until = $1 WHERE lease_node = $2 AND id = ANY($3) RETURNING id',
    [until, node, ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** Hands leases back (a message deferred past the horizon, a node closing) and wakes the other nodes. */
export async function releaseLeases(pool: pg.Pool, node: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await pool.query(
    `WITH r AS (UPDATE queue_messages SET lease_node = NULL, lease_until = NULL
                 WHERE lease_node = $1 AND id = ANY($2) RETURNING id)
     SELECT pg_notify($3, 'due') FROM (SELECT count(*) AS n FROM r) x WHERE x.n > 0`,
    [node, ids, QUEUE_CHANNEL],
  );
}

interface DepthRow {
  readonly tenant_id: string;
  readonly messages: string;
  readonly queued: string;
  readonly deferred: string;
  readonly held: string;
}

/** Pending counts per tenant: a sum over pending rows' count columns (no record is opened). */
export async function readDepth(pool: pg.Pool): Promise<Map<string, QueueDepth>> {
  const { rows } = await pool.query<DepthRow>(
    `SELECT tenant_id, count(*) AS messages, sum(n_queued) AS queued, sum(n_deferred) AS deferred, sum(n_held) AS held
       FROM queue_messages WHERE completed_at IS NULL GROUP BY tenant_id`,
  );
  return new Map(
    rows.map((r) => [
      r.tenant_id,
      { messages: Number(r.messages), queued: Number(r.queued), deferred: Number(r.deferred), held: Number(r.held) },
    ]),
  );
}
