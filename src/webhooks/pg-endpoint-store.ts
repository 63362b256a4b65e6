import type pg from 'pg';
import { storageCall } from '../store/postgres/pg-errors.js';
import { pgListener, type PgListener } from '../store/postgres/pg-listener.js';
import { EndpointCache } from './endpoint-cache.js';
import type { Endpoints } from './webhook-stores.js';
import { NO_HEALTH, type Endpoint, type EndpointHealth } from './webhook-types.js';

/** Migration 008's trigger notifies this channel with the endpoint's id on every change to its row. */
export const ENDPOINTS_CHANNEL = 'postbode_webhook_endpoints';

interface EndpointRow {
  readonly id: string;
  readonly endpoint: Endpoint;
  readonly health: EndpointHealth | null;
}

export interface PgEndpointStore extends Endpoints {
  /** Writes the endpoint's health in the caller's transaction (the delivery store's settle). */
  writeHealth(client: pg.ClientBase, id: string, health: EndpointHealth): Promise<void>;
  close(): void;
}

/**
 * The endpoints every node shares (`webhook_endpoints`), each node holding all of them and their
 * health in memory like the LMDB store: loaded at open, kept fresh by NOTIFY (pg-listener.ts), so an
 * endpoint made through one node's API makes every node's queue write the events it wants. This
 * node's own writes apply to its cache at once; the notification re-reads the same row after.
 */
export async function openPgEndpointStore(
  pool: pg.Pool,
  options: { readonly onListenError?: (err: Error) => void } = {},
): Promise<PgEndpointStore> {
  const cache = new EndpointCache();
  const health = new Map<string, EndpointHealth>();
  const apply = (row: EndpointRow) => {
    cache.set(row.endpoint);
    if (row.health) health.set(row.id, row.health);
    else health.delete(row.id);
  };
  const listener: PgListener = pgListener(pool, {
    channel: ENDPOINTS_CHANNEL,
    loading: 'loading webhook endpoints',
    async reload(client) {
      const { rows } = await client.query<EndpointRow>('SELECT id, endpoint, health FROM webhook_endpoints');
      cache.clear();
      health.clear();
      for (const row of rows) apply(row);
    },
    async refresh(client, id) {
      const { rows } = await client.query<EndpointRow>(
        'SELECT id, endpoint, health FROM webhook_endpoints WHERE id = $1',
        [id],
      );
      const row = rows[0];
      if (row) apply(row);
      else {
        cache.delete(id);
        health.delete(id);
      }
    },
    ...(options.onListenError ? { onListenError: options.onListenError } : {}),
  });
  await listener.start();
  return {
    interest: cache.interest,
    ofTenant: (tenantId) => cache.ofTenant(tenantId),
    get: (id) => cache.get(id),
    health: (id) => health.get(id) ?? NO_HEALTH,
    tenantIds: () => cache.tenantIds(),
    async put(endpoint) {
      await storageCall('writing a webhook endpoint', () =>
        pool.query(
          `INSERT INTO webhook_endpoints (id, tenant_id, endpoint) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET endpoint = EXCLUDED.endpoint`,
          [endpoint.id, endpoint.tenantId, JSON.stringify(endpoint)],
        ),
      );
      cache.set(endpoint);
    },
    async remove(id) {
      const { rowCount } = await storageCall('removing a webhook endpoint', () =>
        pool.query('DELETE FROM webhook_endpoints WHERE id = $1', [id]),
      );
      cache.delete(id);
      health.delete(id);
      return (rowCount ?? 0) > 0;
    },
    async writeHealth(client, id, next) {
      await client.query('UPDATE webhook_endpoints SET health = $2 WHERE id = $1', [id, JSON.stringify(next)]);
      health.set(id, next);
    },
    close: () => listener.stop(),
  };
}
