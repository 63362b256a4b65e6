import type { Database, RootDatabase } from 'lmdb';
import type { EventType } from '../core/events.js';
import { guardBatch } from '../store/lmdb-close.js';
import { NO_HEALTH, type Endpoint, type EndpointHealth } from './webhook-types.js';

/**
 * Tenants' endpoints (`webhooks/endpoints`) and their health (`webhooks/health`), with every
 * endpoint also in memory: the queue asks `interest` inside its write transactions, and the
 * dispatcher looks endpoints up for each delivery. Endpoints are few (a bounded number per tenant).
 */
export class EndpointStore {
  private readonly byTenant = new Map<string, Endpoint[]>();
  private readonly byId = new Map<string, Endpoint>();
  private readonly endpoints: Database<Endpoint, string>;
  readonly healthDb: Database<EndpointHealth, string>;

  constructor(private readonly root: RootDatabase) {
    this.endpoints = root.openDB<Endpoint, string>('endpoints', { encoding: 'msgpack' });
    this.healthDb = root.openDB<EndpointHealth, string>('health', { encoding: 'msgpack' });
    for (const { value } of this.endpoints.getRange()) this.remember(value);
  }

  /** True when an enabled endpoint of the tenant is subscribed to `type`. */
  readonly interest = (tenantId: string, type: EventType): boolean =>
    this.byTenant.get(tenantId)?.some((e) => e.enabled && e.events.includes(type)) ?? false;

  ofTenant(tenantId: string): readonly Endpoint[] {
    return this.byTenant.get(tenantId) ?? [];
  }

  get(id: string): Endpoint | undefined {
    return this.byId.get(id);
  }

  health(id: string): EndpointHealth {
    return this.healthDb.get(id) ?? NO_HEALTH;
  }

  tenantIds(): string[] {
    return [...this.byTenant.keys()];
  }

  async put(endpoint: Endpoint): Promise<void> {
    const done = this.endpoints.put(endpoint.id, endpoint);
    guardBatch(this.root);
    await done;
    this.forget(endpoint.id);
    this.remember(endpoint);
  }

  async remove(id: string): Promise<boolean> {
    const done = this.root.transaction(() => {
      void this.healthDb.remove(id);
      return this.endpoints.remove(id);
    });
    guardBatch(this.root);
    const removed = await done;
    this.forget(id);
    return removed;
  }

  private remember(endpoint: Endpoint): void {
    this.byId.set(endpoint.id, endpoint);
    const list = this.byTenant.get(endpoint.tenantId) ?? [];
    this.byTenant.set(endpoint.tenantId, [...list, endpoint]);
  }

  private forget(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    const rest = (this.byTenant.get(old.tenantId) ?? []).filter((e) => e.id !== id);
    if (rest.length > 0) this.byTenant.set(old.tenantId, rest);
    else this.byTenant.delete(old.tenantId);
  }
}
