import type { EventType, GatewayEvent } from '../core/events.js';
import { GatewayError } from '../core/gateway-error.js';
import { newQueueId } from '../core/ids.js';
import type { Dispatcher } from './dispatcher.js';
import { checkEndpointUrl, type UrlPolicy } from './webhook-input.js';
import { newWebhookSecret } from './webhook-secret.js';
import type { Awaitable, Deliveries, Endpoints } from './webhook-stores.js';
import type { Delivery, DeliveryStatus, Endpoint, EndpointHealth } from './webhook-types.js';

export interface EndpointInput {
  readonly url: string;
  readonly events: readonly EventType[];
  readonly enabled?: boolean;
  readonly description?: string;
}

/** What the API shows of an endpoint: never a secret, only when a rotation's old one retires. */
export interface EndpointView extends Omit<Endpoint, 'secrets'> {
  readonly health: EndpointHealth;
  readonly previousSecretRetiresAt?: number;
}

export interface WebhookServiceDeps {
  readonly endpoints: Endpoints;
  readonly deliveries: Deliveries;
  readonly dispatcher: Dispatcher;
  readonly urls: UrlPolicy;
  readonly maxPerTenant: number;
  readonly seal: (plaintext: string, context: string) => string;
}

/** Replays of failed deliveries per call at most. */
const MAX_REPLAY = 1000;

export function secretContext(e: Pick<Endpoint, 'tenantId' | 'id'>): string {
  return `tenant:${e.tenantId}:webhook:${e.id}`;
}

/**
 * The tenant's side of webhooks: endpoints (a secret made and shown once at creation and at
 * rotation, sealed at rest), deliveries, replay and the test event. Every call names the tenant:
 * another tenant's endpoint is the same as none (E_NOT_FOUND).
 */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { endpoints, deliveries } = deps;

  function own(tenantId: string, id: string): Endpoint {
    const e = endpoints.get(id);
    if (!e || e.tenantId !== tenantId) throw new GatewayError('E_NOT_FOUND', 'no such webhook endpoint');
    return e;
  }

  function view(e: Endpoint, now: number): EndpointView {
    const { secrets, ...rest } = e;
    const retiring = secrets.slice(1).find((s) => s.retiresAt !== undefined && s.retiresAt > now);
    return {
      ...rest,
      health: endpoints.health(e.id),
      ...(retiring?.retiresAt ? { previousSecretRetiresAt: retiring.retiresAt } : {}),
    };
  }

  return {
    list: (tenantId: string, now: number): EndpointView[] => endpoints.ofTenant(tenantId).map((e) => view(e, now)),
    get: (tenantId: string, id: string, now: number): EndpointView => view(own(tenantId, id), now),

    async create(tenantId: string, input: EndpointInput, now: number) {
      if (endpoints.ofTenant(tenantId).length >= deps.maxPerTenant) {
        throw new GatewayError('E_CONFLICT', `at most ${deps.maxPerTenant} webhook endpoints per tenant`);
      }
      const url = await checkEndpointUrl(input.url, deps.urls);
      const id = newQueueId(now);
      const secret = newWebhookSecret();
      const endpoint: Endpoint = {
        id,
        tenantId,
        url,
        events: [...new Set(input.events)],
        enabled: input.enabled ?? true,
        ...(input.description ? { description: input.description } : {}),
        secrets: [{ sealed: deps.seal(secret, secretContext({ tenantId, id })), createdAt: now }],
        createdAt: now,
        updatedAt: now,
      };
      await endpoints.put(endpoint);
      return { endpoint: view(endpoint, now), secret };
    },

    async update(tenantId: string, id: string, patch: Partial<EndpointInput>, now: number): Promise<EndpointView> {
      const e = own(tenantId, id);
      const url = patch.url === undefined ? e.url : await checkEndpointUrl(patch.url, deps.urls);
      const { disabledReason: _old, ...rest } = e;
      const enabled = patch.enabled ?? e.enabled;
      const next: Endpoint = {
        ...(enabled ? rest : e),
        url,
        enabled,
        ...(patch.events ? { events: [...new Set(patch.events)] } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        updatedAt: now,
      };
      await endpoints.put(next);
      return view(next, now);
    },

    async remove(tenantId: string, id: string): Promise<void> {
      own(tenantId, id);
      await endpoints.remove(id);
    },

    /** A new secret; the current one is still signed with until `now + overlapMs` (both signatures are sent). */
    async rotate(tenantId: string, id: string, overlapMs: number, now: number) {
      const e = own(tenantId, id);
      const secret = newWebhookSecret();
      const current = e.secrets[0];
      const kept = current && overlapMs > 0 ? [{ ...current, retiresAt: now + overlapMs }] : [];
      const fresh = { sealed: deps.seal(secret, secretContext(e)), createdAt: now };
      const next: Endpoint = { ...e, secrets: [fresh, ...kept], updatedAt: now };
      await endpoints.put(next);
      return { endpoint: view(next, now), secret };
    },

    deliveries(tenantId: string, id: string, limit: number, status?: DeliveryStatus): Awaitable<Delivery[]> {
      own(tenantId, id);
      return deliveries.ofEndpoint(id, limit, (d) => status === undefined || d.status === status);
    },

    /** Sends one event again (same `webhook-id`: a receiver that has it can drop it). */
    async replayEvent(tenantId: string, id: string, eventId: string, now: number): Promise<Delivery> {
      own(tenantId, id);
      const event = await deliveries.event(eventId);
      if (!event || event.tenantId !== tenantId) throw new GatewayError('E_NOT_FOUND', 'no such event');
      const d = await deliveries.add(event, id, now);
      deps.dispatcher.kick();
      return d;
    },

    /** Every failed delivery created since `since` (at most MAX_REPLAY), sent again. */
    async replayFailed(tenantId: string, id: string, since: number, now: number): Promise<number> {
      own(tenantId, id);
      const failed = await deliveries.ofEndpoint(id, MAX_REPLAY, (d) => d.status === 'failed' && d.createdAt >= since);
      for (const d of failed) {
        const event = await deliveries.event(d.eventId);
        if (event) await deliveries.add(event, id, now, { replayOf: d.id });
      }
      deps.dispatcher.kick();
      return failed.length;
    },

    /** A `webhook.test` event, attempted once now; resolves with how it went. */
    async sendTest(tenantId: string, id: string, now: number): Promise<Delivery> {
      const e = own(tenantId, id);
      const event: GatewayEvent = {
        id: newQueueId(now),
        type: 'webhook.test',
        tenantId,
        at: now,
        data: { queueId: '', messageId: '', subject: 'Test event from Postbode' },
      };
      return deps.dispatcher.attemptOnce(await deliveries.add(event, e.id, now, { due: false }));
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
