import type { Route } from '../core/types.js';
import { EVEN_SHARES, TenantTurns, type FairPolicy } from './fair-share.js';

/** The key parallel sends are counted by: one smarthost, or one recipient domain. */
export function destinationKey(route: Route): string {
  switch (route.kind) {
    case 'smarthost':
      return `smarthost:${route.name}`;
    case 'direct':
      return `direct:${route.domain.toLowerCase()}`;
    case 'capture':
      return 'capture';
    case 'relay':
      return `relay:${route.key}`;
    case 'gmail':
      return `gmail:${route.key}`;
    case 'microsoft365':
      return `microsoft365:${route.key}`;
    case 'suppressed':
      return 'suppressed';
    case 'peppol':
      return `peppol:${route.key}`;
  }
}

/** Gives back the slot; calling it twice is harmless. */
export type Release = () => void;

export interface DestinationSlots {
  /**
   * Resolves once fewer than `limit` sends to `key` are running. When several tenants wait for
   * one destination, the freed slot goes by fair-share.ts (not first come): one tenant's
   * backlog to a slow server does not make another tenant's mail to it wait behind all of it.
   */
  acquire(key: string, tenantId: string): Promise<Release>;
  /** Sends running now, per key (for tests and health). */
  active(key: string): number;
}

interface Lane {
  active: number;
  readonly byTenant: Map<string, number>;
  /** Waiters per tenant, FIFO within a tenant. */
  readonly waiting: Map<string, Array<(release: Release) => void>>;
  readonly turns: TenantTurns;
}

/**
 * A counting semaphore per destination, shared fairly between tenants. Lanes are dropped
 * when idle, so the map holds only destinations with work (direct delivery sees many domains).
 */
export function createDestinationSlots(limit: number, policy: FairPolicy = EVEN_SHARES): DestinationSlots {
  const lanes = new Map<string, Lane>();

  function grant(key: string, lane: Lane, tenantId: string): Release {
    lane.byTenant.set(tenantId, (lane.byTenant.get(tenantId) ?? 0) + 1);
    lane.turns.serve(tenantId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (lane.byTenant.get(tenantId) ?? 1) - 1;
      if (left > 0) lane.byTenant.set(tenantId, left);
      else lane.byTenant.delete(tenantId);
      handOn(key, lane);
    };
  }

  /** The freed slot passes straight to the waiter fair-share picks, or the lane shrinks. */
  function handOn(key: string, lane: Lane): void {
    const next = lane.turns.pick(lane.waiting.keys(), (t) => lane.byTenant.get(t) ?? 0, limit);
    const queue = next === undefined ? undefined : lane.waiting.get(next);
    const resolve = queue?.shift();
    if (next !== undefined && resolve) {
      if (queue?.length === 0) lane.waiting.delete(next);
      return resolve(grant(key, lane, next));
    }
    lane.active--;
    if (lane.active === 0) lanes.delete(key);
  }

  return {
    acquire(key, tenantId) {
      let lane = lanes.get(key);
      if (!lane) {
        lane = { active: 0, byTenant: new Map(), waiting: new Map(), turns: new TenantTurns(policy) };
        lanes.set(key, lane);
      }
      const current = lane;
      if (current.active < limit) {
        current.active++;
        return Promise.resolve(grant(key, current, tenantId));
      }
      return new Promise((resolve) => {
        const queue = current.waiting.get(tenantId) ?? [];
        queue.push(resolve);
        current.waiting.set(tenantId, queue);
      });
    },
    active: (key) => lanes.get(key)?.active ?? 0,
  };
}
