import type { Database, RootDatabase } from 'lmdb';
import type { GatewayEvent } from '../core/events.js';
import { newQueueId } from '../core/ids.js';
import { guardBatch } from '../store/lmdb-close.js';
import type { Deliveries } from './webhook-stores.js';
import type { AddOptions, Endpoint, Delivery, EndpointHealth } from './webhook-types.js';

type TimeKey = [number, string];

type EndpointKey = [string, string];

/**
 * Events taken from the outbox and their deliveries, one per subscribed endpoint:
 * - events: event id → GatewayEvent (kept for replay until the retention sweep)
 * - deliveries: delivery id → Delivery; due: [nextAttemptAt, delivery id] for pending ones
 * - by-endpoint: [endpoint id, delivery id], the newest-first list of an endpoint's deliveries
 * Delivery ids sort by creation time (core/ids.ts), so lists and the sweep are range reads.
 */
export class DeliveryStore implements Deliveries {
  readonly events: Database<GatewayEvent, string>;
  private readonly deliveries: Database<Delivery, string>;
  private readonly due: Database<true, TimeKey>;
  private readonly byEndpoint: Database<true, EndpointKey>;

  constructor(
    private readonly root: RootDatabase,
    private readonly health: Database<EndpointHealth, string>,
  ) {
    this.events = root.openDB<GatewayEvent, string>('events', { encoding: 'msgpack' });
    this.deliveries = root.openDB<Delivery, string>('deliveries', { encoding: 'msgpack' });
    this.due = root.openDB<true, TimeKey>('due', { encoding: 'msgpack' });
    this.byEndpoint = root.openDB<true, EndpointKey>('by-endpoint', { encoding: 'msgpack' });
  }

  /**
   * Moves up to `max` events out of `outbox` in one transaction: each is stored (`enrich`ed) with a
   * pending delivery per endpoint `targets` names, then leaves the outbox. A crash keeps all or none.
   */
  async fanOut(
    outbox: Database<GatewayEvent, string>,
    targets: (event: GatewayEvent) => readonly Endpoint[],
    max: number,
    now: number,
    enrich: (event: GatewayEvent) => GatewayEvent = (e) => e,
  ): Promise<number> {
    const batch = [...outbox.getRange({ limit: max })].map((e) => e.value);
    if (batch.length === 0) return 0;
    const done = this.root.transaction(() => {
      for (const event of batch) {
        const endpoints = targets(event);
        if (endpoints.length > 0) void this.events.put(event.id, enrich(event));
        for (const endpoint of endpoints) this.insert(newDelivery(event, endpoint.id, now));
        void outbox.remove(event.id);
      }
    });
    guardBatch(this.root);
    await done;
    return batch.length;
  }

  /**
   * A new pending delivery of a stored event: a replay (`replayOf`), due at once; a test event
   * (`due` false), attempted by its caller and never by the dispatcher.
   */
  async add(event: GatewayEvent, endpointId: string, now: number, how: AddOptions = {}): Promise<Delivery> {
    const { nextAttemptAt, ...fresh } = newDelivery(event, endpointId, now);
    const delivery: Delivery = {
      ...fresh,
      ...(how.due === false ? {} : { nextAttemptAt }),
      ...(how.replayOf ? { replayOf: how.replayOf } : {}),
    };
    const done = this.root.transaction(() => {
      if (!this.events.doesExist(event.id)) void this.events.put(event.id, event);
      this.insert(delivery);
    });
    guardBatch(this.root);
    await done;
    return delivery;
  }

  /** Ids of deliveries due at `now`, oldest due first, at most `limit`. */
  dueIds(now: number, limit: number): string[] {
    return [...this.due.getKeys({ end: [now, '\uffff'], limit })].map((k) => k[1]);
  }

  get(id: string): Delivery | undefined {
    return this.deliveries.get(id);
  }

  event(id: string): GatewayEvent | undefined {
    return this.events.get(id);
  }

  /** An endpoint's deliveries, newest first. */
  ofEndpoint(endpointId: string, limit: number, accept: (d: Delivery) => boolean = () => true): Delivery[] {
    const out: Delivery[] = [];
    const keys = this.byEndpoint.getKeys({ start: [endpointId, '\uffff'], end: [endpointId, ''], reverse: true });
    for (const key of keys) {
      const d = this.deliveries.get(key[1]);
      if (d && accept(d)) out.push(d);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The delivery after an attempt, and the endpoint's health, in one transaction. */
  async settle(before: Delivery, after: Delivery, health?: EndpointHealth): Promise<void> {
    const done = this.root.transaction(() => {
      if (before.nextAttemptAt !== undefined) void this.due.remove([before.nextAttemptAt, before.id]);
      if (after.status === 'pending' && after.nextAttemptAt !== undefined) {
        void this.due.put([after.nextAttemptAt, after.id], true);
      }
      void this.deliveries.put(after.id, after);
      if (health) void this.health.put(after.endpointId, health);
    });
    guardBatch(this.root);
    await done;
  }

  /** Deletes events and deliveries created before `olderThan` (at most `max` deliveries per call). */
  async purge(olderThan: number, max: number): Promise<number> {
    const end = newQueueId(olderThan).slice(0, 10);
    const old = [...this.deliveries.getRange({ end, limit: max })].map((e) => e.value);
    const events = [...this.events.getKeys({ end, limit: max })];
    if (old.length === 0 && events.length === 0) return 0;
    const done = this.root.transaction(() => {
      for (const d of old) {
        void this.deliveries.remove(d.id);
        void this.byEndpoint.remove([d.endpointId, d.id]);
        if (d.nextAttemptAt !== undefined) void this.due.remove([d.nextAttemptAt, d.id]);
      }
      for (const id of events) void this.events.remove(id);
    });
    guardBatch(this.root);
    await done;
    return old.length;
  }

  private insert(d: Delivery): void {
    void this.deliveries.put(d.id, d);
    void this.byEndpoint.put([d.endpointId, d.id], true);
    if (d.nextAttemptAt !== undefined) void this.due.put([d.nextAttemptAt, d.id], true);
  }
}

/** A pending delivery of `event` to one endpoint, due at `now` (both engines). */
export function newDelivery(event: GatewayEvent, endpointId: string, now: number): Delivery {
  return {
    id: newQueueId(now),
    eventId: event.id,
    endpointId,
    tenantId: event.tenantId,
    type: event.type,
    status: 'pending',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
  };
}
