import type { Database } from 'lmdb';
import type { Clock } from '../core/clock.js';
import type { GatewayEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import { abandoned, afterAttempt, nextHealth, shouldDisable, type WebhookRetryPolicy } from './retry-policy.js';
import { signHeaders } from './webhook-secret.js';
import type { Deliveries, Endpoints } from './webhook-stores.js';
import type { AttemptResult, Delivery, Endpoint } from './webhook-types.js';

export interface DispatcherOptions {
  readonly endpoints: Endpoints;
  readonly deliveries: Deliveries;
  /** The node's LMDB outbox (queue/event-outbox.ts): the queue's events on LMDB, the feedback stores' on both. */
  readonly outbox: Database<GatewayEvent, string>;
  /** The endpoint's secrets in plain text, newest first, those not yet retired at `now`. */
  readonly secretsOf: (endpoint: Endpoint, now: number) => string[];
  readonly post: (
    url: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ) => Promise<AttemptResult>;
  readonly policy: WebhookRetryPolicy;
  readonly concurrency: number;
  readonly perEndpoint: number;
  readonly pollMs: number;
  readonly disableAfterMs: number;
  readonly retentionMs: number;
  /** Adds what the queue's record does not hold (the document number) as an event leaves the outbox. */
  readonly enrich?: (event: GatewayEvent) => GatewayEvent;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface Dispatcher {
  start(): void;
  /** Look at the outbox and due deliveries now rather than at the next poll. */
  kick(): void;
  /** Makes one attempt of `delivery` now, without retries (test events); resolves with the delivery after it. */
  attemptOnce(delivery: Delivery): Promise<Delivery>;
  stop(): Promise<void>;
}

/** Events moved out of the outbox per transaction, and rounds per tick (bounded work per turn). */
const FAN_OUT_BATCH = 200;
const FAN_OUT_ROUNDS = 20;
const PURGE_EVERY_MS = 3600_000;

/**
 * Delivers the webhook events. Each tick moves events from the outbox to per-endpoint
 * deliveries, then starts due deliveries while fewer than `concurrency` are in flight and never
 * more than `perEndpoint` for one endpoint: a slow or stalled receiver holds at most its own
 * slots (each bounded by the POST's timeout), never another endpoint's or tenant's, and none of
 * this runs on the mail path (the queue only wrote the outbox record).
 */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const inFlight = new Map<string, Promise<void>>();
  const perEndpoint = new Map<string, number>();
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let again = false;
  let lastPurge = 0;

  function schedule(ms: number): void {
    if (stopping.signal.aborted) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(kick, ms);
    timer.unref?.();
  }

  function kick(): void {
    if (stopping.signal.aborted) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch((err: unknown) => opts.logger.error({ err }, 'webhook dispatcher tick failed'))
      .finally(() => {
        ticking = undefined;
        if (again) {
          again = false;
          kick();
        } else schedule(opts.pollMs);
      });
  }

  async function tick(): Promise<void> {
    const now = opts.clock();
    for (let round = 0; round < FAN_OUT_ROUNDS; round++) {
      const moved = await opts.deliveries.fanOut(opts.outbox, targetsOf, FAN_OUT_BATCH, now, opts.enrich);
      if (moved < FAN_OUT_BATCH) break;
    }
    await startDue(opts.clock());
    if (now - lastPurge > PURGE_EVERY_MS) {
      lastPurge = now;
      await opts.deliveries.purge(now - opts.retentionMs, 10_000);
    }
  }

  function targetsOf(event: GatewayEvent): readonly Endpoint[] {
    return opts.endpoints
      .ofTenant(event.tenantId)
      .filter((e) => e.enabled && (e.events as readonly string[]).includes(event.type));
  }

  async function startDue(now: number): Promise<void> {
    const room = opts.concurrency - inFlight.size;
    if (room <= 0) return;
    // Read past the deliveries of saturated endpoints, boundedly, so that others still start.
    let started = 0;
    for (const id of await opts.deliveries.dueIds(now, room + opts.concurrency * 8)) {
      if (started >= room) break;
      if (inFlight.has(id)) continue;
      const found = await opts.deliveries.get(id);
      if (!found || (perEndpoint.get(found.endpointId) ?? 0) >= opts.perEndpoint) continue;
      // Where several nodes dispatch, only the one whose claim wins attempts it.
      const d = opts.deliveries.claim ? await opts.deliveries.claim(id, now) : found;
      if (!d || inFlight.has(id)) continue;
      track(d, run(d));
      started++;
    }
  }

  function track(d: Delivery, work: Promise<unknown>): void {
    perEndpoint.set(d.endpointId, (perEndpoint.get(d.endpointId) ?? 0) + 1);
    const done = work
      .catch((err: unknown) => opts.logger.error({ err, delivery: d.id }, 'webhook delivery failed to record'))
      .finally(() => {
        inFlight.delete(d.id);
        const left = (perEndpoint.get(d.endpointId) ?? 1) - 1;
        if (left > 0) perEndpoint.set(d.endpointId, left);
        else perEndpoint.delete(d.endpointId);
        kick();
      });
    inFlight.set(
      d.id,
      done.then(() => undefined),
    );
  }

  async function run(d: Delivery): Promise<void> {
    const endpoint = opts.endpoints.get(d.endpointId);
    const event = await opts.deliveries.event(d.eventId);
    if (!endpoint || !event || !endpoint.enabled) {
      const why = !endpoint ? 'endpoint deleted' : !event ? 'event no longer kept' : 'endpoint disabled';
      return opts.deliveries.settle(d, abandoned(d, why));
    }
    const result = await attempt(endpoint, event);
    // Cut short by the gateway's stop: not the receiver's fault; it stays due (for any node where they share it).
    if (stopping.signal.aborted) return opts.deliveries.release?.(d);
    const now = opts.clock();
    const health = nextHealth(opts.endpoints.health(endpoint.id), result, now);
    await opts.deliveries.settle(d, afterAttempt(d, result, now, opts.policy), health);
    if (!result.ok && shouldDisable(health, now, opts.disableAfterMs))
      await disable(endpoint, health.failingSince ?? now);
  }

  async function attempt(endpoint: Endpoint, event: GatewayEvent): Promise<AttemptResult> {
    const now = opts.clock();
    const body = payloadOf(event);
    const headers = signHeaders(event.id, Math.floor(now / 1000), body, opts.secretsOf(endpoint, now));
    return opts.post(endpoint.url, body, { ...headers }, stopping.signal);
  }

  async function disable(endpoint: Endpoint, since: number): Promise<void> {
    const current = opts.endpoints.get(endpoint.id);
    if (!current?.enabled) return;
    const reason = `failing since ${new Date(since).toISOString()} without a success`;
    await opts.endpoints.put({ ...current, enabled: false, disabledReason: reason, updatedAt: opts.clock() });
    opts.logger.warn({ endpoint: endpoint.id, tenant: endpoint.tenantId }, 'webhook endpoint disabled');
  }

  async function attemptOnce(d: Delivery): Promise<Delivery> {
    const endpoint = opts.endpoints.get(d.endpointId);
    const event = await opts.deliveries.event(d.eventId);
    if (!endpoint || !event) return d;
    const result = await attempt(endpoint, event);
    const now = opts.clock();
    const after = afterAttempt(d, result, now, { ...opts.policy, retryForMs: 0 });
    await opts.deliveries.settle(d, after, nextHealth(opts.endpoints.health(endpoint.id), result, now));
    return after;
  }

  return {
    start: () => kick(),
    kick,
    attemptOnce,
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await ticking;
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}

/** The body every attempt of an event sends: `{ type, timestamp, data }` (docs/webhooks.md). */
export function payloadOf(event: GatewayEvent): string {
  return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: event.data });
}
