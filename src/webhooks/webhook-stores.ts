import type { Database } from 'lmdb';
import type { EventInterest, GatewayEvent } from '../core/events.js';
import type { AddOptions, Delivery, Endpoint, EndpointHealth } from './webhook-types.js';

/** A read LMDB answers at once and PostgreSQL after a round trip: callers await it either way. */
export type Awaitable<T> = T | Promise<T>;

/**
 * Endpoints as the dispatcher, the service and the queue need them, on either engine: every
 * endpoint and its health in memory (`interest` answers inside the queue's write transactions).
 * LMDB: endpoint-store.ts; PostgreSQL: pg-endpoint-store.ts (kept fresh by NOTIFY).
 */
export interface Endpoints {
  readonly interest: EventInterest;
  ofTenant(tenantId: string): readonly Endpoint[];
  get(id: string): Endpoint | undefined;
  health(id: string): EndpointHealth;
  tenantIds(): string[];
  put(endpoint: Endpoint): Promise<void>;
  remove(id: string): Promise<boolean>;
}

/**
 * Events and their deliveries, on either engine (delivery-store.ts, pg-delivery-store.ts). `fanOut`
 * drains `outbox`, the node's LMDB outbox (the queue's events on LMDB, the feedback stores' on both),
 * and on PostgreSQL the shared outbox table too.
 */
export interface Deliveries {
  fanOut(
    outbox: Database<GatewayEvent, string>,
    targets: (event: GatewayEvent) => readonly Endpoint[],
    max: number,
    now: number,
    enrich?: (event: GatewayEvent) => GatewayEvent,
  ): Promise<number>;
  add(event: GatewayEvent, endpointId: string, now: number, how?: AddOptions): Promise<Delivery>;
  dueIds(now: number, limit: number): Awaitable<string[]>;
  /**
   * Takes a due delivery for this node's attempt, where several dispatchers share the deliveries
   * (PostgreSQL: a lease); undefined when another node has it or it is no longer due. Absent on
   * LMDB, where this node's dispatcher is the only one.
   */
  claim?(id: string, now: number): Promise<Delivery | undefined>;
  /** Gives a claimed delivery back unattempted (the gateway stops): due again on any node at once. */
  release?(delivery: Delivery): Promise<void>;
  get(id: string): Awaitable<Delivery | undefined>;
  event(id: string): Awaitable<GatewayEvent | undefined>;
  ofEndpoint(endpointId: string, limit: number, accept?: (d: Delivery) => boolean): Awaitable<Delivery[]>;
  settle(before: Delivery, after: Delivery, health?: EndpointHealth): Promise<void>;
  purge(olderThan: number, max: number): Promise<number>;
}
