import type pg from 'pg';
import type { Clock } from '../core/clock.js';
import type { EventInterest, GatewayEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Config } from '../config/schema.js';
import { openEventOutbox } from '../queue/event-outbox.js';
import type { Storage } from '../store/storage.js';
import { DeliveryStore } from './delivery-store.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import { EndpointStore } from './endpoint-store.js';
import { postEvent } from './http-post.js';
import { openPgDeliveryStore, type PgDeliveryOptions } from './pg-delivery-store.js';
import { openPgEndpointStore } from './pg-endpoint-store.js';
import type { Deliveries, Endpoints } from './webhook-stores.js';
import { createWebhookService, secretContext, type WebhookService } from './webhook-service.js';

/** The stores, opened before the queue: the queue asks `interest` as it writes each change. */
export interface WebhookStores {
  readonly endpoints: Endpoints;
  readonly deliveries: Deliveries;
  readonly interest: EventInterest;
  close(): Promise<void>;
}

/** This node's own, in its LMDB (the default engine). */
export function openWebhookStores(storage: Storage): WebhookStores {
  const root = storage.open('webhooks');
  const endpoints = new EndpointStore(root);
  const deliveries = new DeliveryStore(root, endpoints.healthDb);
  return { endpoints, deliveries, interest: endpoints.interest, close: () => root.close() };
}

/** Every node's, on PostgreSQL (migration 008): endpoints cached per node and fresh by NOTIFY. */
export async function openPgWebhookStores(
  pool: pg.Pool,
  options: PgDeliveryOptions & { readonly onListenError?: (err: Error) => void },
): Promise<WebhookStores> {
  const endpoints = await openPgEndpointStore(pool, options);
  const deliveries = openPgDeliveryStore(pool, endpoints, options);
  return { endpoints, deliveries, interest: endpoints.interest, close: async () => endpoints.close() };
}

export interface WebhookRuntimeDeps {
  readonly storage: Storage;
  readonly config: Config['webhooks'];
  /** The egress guard's resolve (transports/egress/target-guard.ts). */
  readonly resolveHost: (host: string) => Promise<readonly string[]>;
  readonly seal: (plaintext: string, context: string) => string;
  readonly open: (sealed: string, context: string) => string;
  readonly enrich?: (event: GatewayEvent) => GatewayEvent;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Trusted roots for https endpoints instead of Node's (tests). */
  readonly ca?: readonly Buffer[];
}

export interface Webhooks {
  readonly service: WebhookService;
  readonly dispatcher: Dispatcher;
  /** A deleted tenant's endpoints go with its other data (tenants/tenant-purge.ts); deliveries age out. */
  readonly tenantData: { readonly name: string; tenantIds(): Iterable<string>; forget(id: string): Promise<number> };
  close(): Promise<void>;
}

/** The dispatcher and the API's service over the stores; call start() on the dispatcher once listening. */
export function startWebhooks(stores: WebhookStores, deps: WebhookRuntimeDeps): Webhooks {
  const c = deps.config;
  const outbox = openEventOutbox(deps.storage);
  const dispatcher = createDispatcher({
    endpoints: stores.endpoints,
    deliveries: stores.deliveries,
    outbox: outbox.db,
    secretsOf: (endpoint, now) =>
      endpoint.secrets
        .filter((s) => s.retiresAt === undefined || s.retiresAt > now)
        .map((s) => deps.open(s.sealed, secretContext(endpoint))),
    post: (url, body, headers, signal) =>
      postEvent(url, body, headers, { resolveHost: deps.resolveHost, timeoutMs: c.timeoutMs, signal, ca: deps.ca }),
    policy: { initialDelayMs: c.initialDelayMs, maxDelayMs: c.maxDelayMs, retryForMs: c.retryForMs },
    concurrency: c.concurrency,
    perEndpoint: c.perEndpoint,
    pollMs: c.pollMs,
    disableAfterMs: c.disableAfterMs,
    retentionMs: c.retentionMs,
    ...(deps.enrich ? { enrich: deps.enrich } : {}),
    clock: deps.clock,
    logger: deps.logger,
  });
  const service = createWebhookService({
    endpoints: stores.endpoints,
    deliveries: stores.deliveries,
    dispatcher,
    urls: { allowHttp: c.allowHttp, resolveHost: deps.resolveHost },
    maxPerTenant: c.maxEndpointsPerTenant,
    seal: deps.seal,
  });
  const tenantData = {
    name: 'webhooks',
    tenantIds: () => stores.endpoints.tenantIds(),
    async forget(tenantId: string): Promise<number> {
      const ids = stores.endpoints.ofTenant(tenantId).map((e) => e.id);
      for (const id of ids) await stores.endpoints.remove(id);
      return ids.length;
    },
  };
  return {
    service,
    dispatcher,
    tenantData,
    async close() {
      await dispatcher.stop();
      await outbox.root.close();
      await stores.close();
    },
  };
}
