import type { Database, RootDatabase } from 'lmdb';
import { guardBatch } from '../store/lmdb-close.js';
import { EndpointCache } from './endpoint-cache.js';
import type { Endpoints } from './webhook-stores.js';
import { NO_HEALTH, type Endpoint, type EndpointHealth } from './webhook-types.js';

/**
 * Tenants' endpoints (`webhooks/endpoints`) and their health (`webhooks/health`), with every
 * endpoint also in memory: the queue asks `interest` inside its write transactions, and the
 * dispatcher looks endpoints up for each delivery. Endpoints are few (a bounded number per tenant).
 */
export class EndpointStore implements Endpoints {
  private readonly cache = new EndpointCache();
  private readonly endpoints: Database<Endpoint, string>;
  readonly healthDb: Database<EndpointHealth, string>;

  constructor(private readonly root: RootDatabase) {
    this.endpoints = root.openDB<Endpoint, string>('endpoints', { encoding: 'msgpack' });
    this.healthDb = root.openDB<EndpointHealth, string>('health', { encoding: 'msgpack' });
    for (const { value } of this.endpoints.getRange()) this.cache.set(value);
  }

  /** True when an enabled endpoint of the tenant is subscribed to `type`. */
  readonly interest = this.cache.interest;

  ofTenant(tenantId: string): readonly Endpoint[] {
    return this.cache.ofTenant(tenantId);
  }

  get(id: string): Endpoint | undefined {
    return this.cache.get(id);
  }

  health(id: string): EndpointHealth {
    return this.healthDb.get(id) ?? NO_HEALTH;
  }

  tenantIds(): string[] {
    return this.cache.tenantIds();
  }

  async put(endpoint: Endpoint): Promise<void> {
    const done = this.endpoints.put(endpoint.id, endpoint);
    guardBatch(this.root);
    await done;
    this.cache.set(endpoint);
  }

  async remove(id: string): Promise<boolean> {
    const done = this.root.transaction(() => {
      void this.healthDb.remove(id);
      return this.endpoints.remove(id);
    });
    guardBatch(this.root);
    const removed = await done;
    this.cache.delete(id);
    return removed;
  }
}
