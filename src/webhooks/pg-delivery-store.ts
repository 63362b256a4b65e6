import type { Database } from 'lmdb';
import type pg from 'pg';
import type { GatewayEvent } from '../core/events.js';
import { newQueueId } from '../core/ids.js';
import { storageCall } from '../store/postgres/pg-errors.js';
import { inTransaction } from '../store/postgres/pg-transaction.js';
import { newDelivery } from './delivery-store.js';
import type { PgEndpointStore } from './pg-endpoint-store.js';
import type { Deliveries } from './webhook-stores.js';
import type { AddOptions, Delivery, Endpoint } from './webhook-types.js';

export interface PgDeliveryOptions {
  /** This process: the lease of a delivery it attempts names it. */
  readonly nodeId: string;
  /** How long a claimed delivery is this node's: longer than an attempt (the POST's timeout) can take. */
  readonly leaseMs: number;
}

type Targets = (event: GatewayEvent) => readonly Endpoint[];

/**
 * Events and deliveries every node shares (migration 008), for dispatchers on several nodes at
 * once: a batch of the outbox is claimed with FOR UPDATE SKIP LOCKED and fanned out in the same
 * transaction (each event by one node), and a due delivery is attempted by the node whose claim
 * set its lease (a conditional update: one node wins). A node that dies mid-attempt leaves a lease
 * that runs out, and another node sends the event again (at least once, same webhook-id).
 */
export function openPgDeliveryStore(
  pool: pg.Pool,
  endpoints: Pick<PgEndpointStore, 'writeHealth'>,
  options: PgDeliveryOptions,
): Deliveries {
  return {
    async fanOut(local, targets, max, now, enrich = (e) => e) {
      const mine = await fanOutLocal(pool, local, targets, max, now, enrich);
      const shared = await inTransaction(pool, 'webhook fan-out', async (client) => {
        const { rows } = await client.query<{ id: string; event: GatewayEvent }>(
          'SELECT id, event FROM webhook_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
          [max],
        );
        if (rows.length === 0) return 0;
        await insertFanned(
          client,
          rows.map((r) => r.event),
          targets,
          now,
          enrich,
        );
        await client.query('DELETE FROM webhook_outbox WHERE id = ANY($1)', [rows.map((r) => r.id)]);
        return rows.length;
      });
      return mine + shared;
    },

    async add(event, endpointId, now, how: AddOptions = {}) {
      const { nextAttemptAt, ...fresh } = newDelivery(event, endpointId, now);
      const delivery: Delivery = {
        ...fresh,
        ...(how.due === false ? {} : { nextAttemptAt }),
        ...(how.replayOf ? { replayOf: how.replayOf } : {}),
      };
      await inTransaction(pool, 'adding a webhook delivery', async (client) => {
        await insertEvents(client, [event]);
        await insertDeliveries(client, [delivery]);
      });
      return delivery;
    },

    async dueIds(now, limit) {
      const { rows } = await storageCall('reading due webhook deliveries', () =>
        pool.query<{ id: string }>(
          `SELECT id FROM webhook_deliveries WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
           ORDER BY next_attempt_at, id LIMIT $2`,
          [now, limit],
        ),
      );
      return rows.map((r) => r.id);
    },

    async claim(id, now) {
      const { rows } = await storageCall('claiming a webhook delivery', () =>
        pool.query<{ delivery: Delivery }>(
          `UPDATE webhook_deliveries SET lease_node = $3, lease_until = $4
           WHERE id = $1 AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2) RETURNING delivery`,
          [id, now, options.nodeId, now + options.leaseMs],
        ),
      );
      return rows[0]?.delivery;
    },

    async release(d) {
      await storageCall('releasing a webhook delivery', () =>
        pool.query(
          'UPDATE webhook_deliveries SET lease_node = NULL, lease_until = NULL WHERE id = $1 AND lease_node = $2',
          [d.id, options.nodeId],
        ),
      );
    },

    get: (id) => one<Delivery>(pool, 'SELECT delivery AS doc FROM webhook_deliveries WHERE id = $1', id),
    event: (id) => one<GatewayEvent>(pool, 'SELECT event AS doc FROM webhook_events WHERE id = $1', id),

    async ofEndpoint(endpointId, limit, accept = () => true) {
      const out: Delivery[] = [];
      let before = '\uffff';
      // Newest first, a page at a time, until `limit` pass `accept` or the list ends.
      for (let page = 0; page < 100 && out.length < limit; page++) {
        const { rows } = await storageCall('reading webhook deliveries', () =>
          pool.query<{ id: string; delivery: Delivery }>(
            `SELECT id, delivery FROM webhook_deliveries WHERE endpoint_id = $1 AND id < $2
             ORDER BY id DESC LIMIT 500`,
            [endpointId, before],
          ),
        );
        for (const row of rows) if (out.length < limit && accept(row.delivery)) out.push(row.delivery);
        const last = rows.at(-1);
        if (rows.length < 500 || last === undefined) break;
        before = last.id;
      }
      return out;
    },

    async settle(_before, after, health) {
      await inTransaction(pool, 'settling a webhook delivery', async (client) => {
        const due = after.status === 'pending' ? (after.nextAttemptAt ?? null) : null;
        await client.query(
          `UPDATE webhook_deliveries SET delivery = $2, next_attempt_at = $3, lease_node = NULL, lease_until = NULL
           WHERE id = $1`,
          [after.id, JSON.stringify(after), due],
        );
        if (health) await endpoints.writeHealth(client, after.endpointId, health);
      });
    },

    async purge(olderThan, max) {
      const end = newQueueId(olderThan).slice(0, 10);
      return inTransaction(pool, 'purging webhook deliveries', async (client) => {
        const gone = await client.query(
          'DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE id < $1 LIMIT $2)',
          [end, max],
        );
        await client.query(
          'DELETE FROM webhook_events WHERE id IN (SELECT id FROM webhook_events WHERE id < $1 LIMIT $2)',
          [end, max],
        );
        return gone.rowCount ?? 0;
      });
    },
  };
}

/**
 * The node's LMDB outbox (the feedback stores' events) into the shared tables, then out of LMDB.
 * A crash between the two moves a batch again: the events' ids, already stored, make it a no-op.
 */
async function fanOutLocal(
  pool: pg.Pool,
  local: Database<GatewayEvent, string>,
  targets: Targets,
  max: number,
  now: number,
  enrich: (event: GatewayEvent) => GatewayEvent,
): Promise<number> {
  const batch = [...local.getRange({ limit: max })].map((e) => e.value);
  if (batch.length === 0) return 0;
  await inTransaction(pool, 'webhook fan-out of feedback events', (client) =>
    insertFanned(client, batch, targets, now, enrich),
  );
  await local.transaction(() => {
    for (const event of batch) void local.remove(event.id);
  });
  return batch.length;
}

/** Each event wanted by an endpoint, stored once (`enrich`ed), with a pending delivery per endpoint. */
async function insertFanned(
  client: pg.ClientBase,
  events: readonly GatewayEvent[],
  targets: Targets,
  now: number,
  enrich: (event: GatewayEvent) => GatewayEvent,
): Promise<void> {
  const wanted = events.map((event) => ({ event, endpoints: targets(event) })).filter((w) => w.endpoints.length > 0);
  if (wanted.length === 0) return;
  const fresh = await insertEvents(
    client,
    wanted.map((w) => enrich(w.event)),
  );
  const deliveries = wanted
    .filter((w) => fresh.has(w.event.id))
    .flatMap((w) => w.endpoints.map((endpoint) => newDelivery(w.event, endpoint.id, now)));
  await insertDeliveries(client, deliveries);
}

/** The ids of the events stored now (an id already stored is left as it is). */
async function insertEvents(client: pg.ClientBase, events: readonly GatewayEvent[]): Promise<Set<string>> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO webhook_events (id, event) SELECT e->>'id', e FROM jsonb_array_elements($1::jsonb) e
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [JSON.stringify(events)],
  );
  return new Set(rows.map((r) => r.id));
}

async function insertDeliveries(client: pg.ClientBase, deliveries: readonly Delivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await client.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, next_attempt_at, delivery)
     SELECT d->>'id', d->>'endpointId', (d->>'nextAttemptAt')::bigint, d FROM jsonb_array_elements($1::jsonb) d`,
    [JSON.stringify(deliveries)],
  );
}

async function one<T>(pool: pg.Pool, text: string, id: string): Promise<T | undefined> {
  const { rows } = await storageCall('reading webhooks', () => pool.query<{ doc: T }>(text, [id]));
  return rows[0]?.doc;
}
