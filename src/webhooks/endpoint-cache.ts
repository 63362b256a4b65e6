import type { EventType } from '../core/events.js';
import type { Endpoint } from './webhook-types.js';

/**
 * Every endpoint in memory, by id and by tenant: what both engines' endpoint stores answer their
 * synchronous reads from (`interest` runs inside the queue's write transactions).
 */
export class EndpointCache {
  private readonly byTenant = new Map<string, Endpoint[]>();
  private readonly byId = new Map<string, Endpoint>();

  /** True when an enabled endpoint of the tenant is subscribed to `type`. */
  readonly interest = (tenantId: string, type: EventType): boolean =>
    this.byTenant.get(tenantId)?.some((e) => e.enabled && e.events.includes(type)) ?? false;

  ofTenant(tenantId: string): readonly Endpoint[] {
    return this.byTenant.get(tenantId) ?? [];
  }

  get(id: string): Endpoint | undefined {
    return this.byId.get(id);
  }

  tenantIds(): string[] {
    return [...this.byTenant.keys()];
  }

  /** Adds or replaces the endpoint. */
  set(endpoint: Endpoint): void {
    this.delete(endpoint.id);
    this.byId.set(endpoint.id, endpoint);
    const list = this.byTenant.get(endpoint.tenantId) ?? [];
    this.byTenant.set(endpoint.tenantId, [...list, endpoint]);
  }

  delete(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    const rest = (this.byTenant.get(old.tenantId) ?? []).filter((e) => e.id !== id);
    if (rest.length > 0) this.byTenant.set(old.tenantId, rest);
    else this.byTenant.delete(old.tenantId);
  }

  clear(): void {
    this.byId.clear();
    this.byTenant.clear();
  }
}
