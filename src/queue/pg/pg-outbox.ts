import type pg from 'pg';
import type { GatewayEvent } from '../../core/events.js';

/**
 * The queue's webhook events on PostgreSQL go into `webhook_outbox` (migration 008) inside the
 * transaction of the change they describe: committed together or not at all, on any node. The
 * dispatchers (webhooks/pg-delivery-store.ts) take them out. Events are already filtered by the
 * tenants' interest (event-outbox.ts), so a tenant without webhooks costs no statement.
 */
export async function putPgEvents(client: pg.ClientBase, events: readonly GatewayEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(`INSERT INTO webhook_outbox (id, event) ${OUTBOX_ROWS('$1')} ON CONFLICT (id) DO NOTHING`, [
    JSON.stringify(events),
  ]);
}

/** The rows of a JSON array of events given as parameter `param` (also a CTE of the grouped insert). */
export const OUTBOX_ROWS = (param: string): string => `SELECT e->>'id', e FROM jsonb_array_elements(${param}::jsonb) e`;
