import { z } from 'zod';
import { EVENT_TYPES } from '../../../core/events.js';
import { WebhookInputError } from '../../../webhooks/webhook-input.js';
import type { WebhookService } from '../../../webhooks/webhook-service.js';
import { invalidRequest } from './api-errors.js';
import type { ApiDeps } from './api-deps.js';
import { epochMs, idParams, pageLimit, recordId } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';
import {
  deliverySchema,
  endpointBody,
  endpointSchema,
  eventPayloads,
  eventType,
  examplePayloads,
  withSecretSchema,
} from './webhook-schemas.js';

const TAG = 'Webhooks';
const endpointParams = z.strictObject({ id: recordId, endpointId: recordId });
const notFound = { description: 'No such tenant or endpoint (or another tenant’s)' };

/** A refused URL names its field, like every other bad input. */
async function fields<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof WebhookInputError) throw invalidRequest({ [`body.${err.field}`]: [err.message] });
    throw err;
  }
}

/** Tenants' webhook endpoints: CRUD, secret rotation, deliveries, replay and the test event (docs/webhooks.md). */
export function webhookRoutes(deps: ApiDeps & { readonly webhooks: WebhookService }): ApiRoute[] {
  const svc = deps.webhooks;
  return [
    defineRoute({
      method: 'get',
      path: '/webhook-events',
      tag: TAG,
      access: 'tenant',
      summary: 'The event types and the payload each one sends',
      description:
        'Every request is a POST with a JSON body `{ type, timestamp, data }`, signed per Standard Webhooks ' +
        '(`webhook-id`, `webhook-timestamp`, `webhook-signature`). The schemas below are the bodies.',
      responses: {
        200: {
          description: 'The event types and a body of each',
          schema: z.object({ types: z.array(eventType), payloads: z.array(z.union([...eventPayloads])) }),
        },
      },
      async handle() {
        return { status: 200, body: { types: EVENT_TYPES, payloads: examplePayloads() } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/webhooks',
      tag: TAG,
      access: 'tenant',
      summary: 'List webhook endpoints with their health',
      params: idParams,
      responses: { 200: { description: 'The endpoints', schema: z.object({ endpoints: z.array(endpointSchema) }) } },
      async handle({ principal, params, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: { endpoints: svc.list(params.id, now) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/webhooks',
      tag: TAG,
      access: 'tenant',
      summary: 'Add a webhook endpoint (its signing secret is shown only in this answer)',
      description:
        'https only unless the operator allows http (webhooks.allowHttp); the host may not resolve inside the ' +
        'network (delivery.allowPrivateTargets). At most webhooks.maxEndpointsPerTenant endpoints (409).',
      params: idParams,
      body: endpointBody,
      responses: { 201: { description: 'Created', schema: withSecretSchema }, 404: notFound },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const made = await fields(svc.create(params.id, body, now));
        return { status: 201, body: made, audit: { targetId: made.endpoint.id, fieldsChanged: Object.keys(body) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/webhooks/:endpointId',
      tag: TAG,
      access: 'tenant',
      summary: 'One webhook endpoint with its health',
      params: endpointParams,
      responses: { 200: { description: 'The endpoint', schema: endpointSchema }, 404: notFound },
      async handle({ principal, params, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: svc.get(params.id, params.endpointId, now) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/tenants/:id/webhooks/:endpointId',
      tag: TAG,
      access: 'tenant',
      summary: 'Change an endpoint: URL, events, enabled, description',
      params: endpointParams,
      body: endpointBody.partial(),
      responses: { 200: { description: 'The endpoint', schema: endpointSchema }, 404: notFound },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const updated = await fields(svc.update(params.id, params.endpointId, body, now));
        return { status: 200, body: updated, audit: { targetId: params.endpointId } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/webhooks/:endpointId',
      tag: TAG,
      access: 'tenant',
      summary: 'Remove an endpoint (its pending deliveries are dropped)',
      params: endpointParams,
      responses: { 204: { description: 'Removed' }, 404: notFound },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        await svc.remove(params.id, params.endpointId);
        return { status: 204, audit: { targetId: params.endpointId } };
      },
    }),
    ...actionRoutes(deps, svc),
  ];
}

function actionRoutes(deps: ApiDeps, svc: WebhookService): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/tenants/:id/webhooks/:endpointId/rotate-secret',
      tag: TAG,
      access: 'tenant',
      summary: 'Make a new signing secret; the old one still signs for the overlap',
      description:
        'During the overlap every request carries two signatures, space-separated (`v1,<new> v1,<old>`), so the ' +
        'receiver can switch to the new secret at its own pace. overlapSeconds 0 retires the old one at once.',
      params: endpointParams,
      body: z.strictObject({
        overlapSeconds: z
          .number()
          .int()
          .min(0)
          .max(7 * 86_400)
          .optional(),
      }),
      responses: {
        200: { description: 'The new secret, shown only this once', schema: withSecretSchema },
        404: notFound,
      },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const overlapMs = (body.overlapSeconds ?? 86_400) * 1000;
        const rotated = await svc.rotate(params.id, params.endpointId, overlapMs, now);
        return { status: 200, body: rotated, audit: { targetId: params.endpointId, fieldsChanged: ['secret'] } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/webhooks/:endpointId/deliveries',
      tag: TAG,
      access: 'tenant',
      summary: 'Recent deliveries of this endpoint, newest first',
      params: endpointParams,
      query: z.strictObject({ status: z.enum(['pending', 'delivered', 'failed']).optional(), limit: pageLimit(500) }),
      responses: {
        200: { description: 'Deliveries', schema: z.object({ deliveries: z.array(deliverySchema) }) },
        404: notFound,
      },
      async handle({ principal, params, query }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const list = await svc.deliveries(params.id, params.endpointId, query.limit ?? 50, query.status);
        return { status: 200, body: { deliveries: list } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/webhooks/:endpointId/replay',
      tag: TAG,
      access: 'tenant',
      summary: 'Send one event again, or every failed delivery since a time',
      description:
        'Give `eventId` (one event, with its same webhook-id) or `failedSince` (ms since epoch: every failed ' +
        'delivery created since then, at most 1000). Events are kept webhooks.retentionMs (7 days).',
      params: endpointParams,
      body: z
        .strictObject({ eventId: recordId.optional(), failedSince: epochMs.optional() })
        .refine((b) => (b.eventId === undefined) !== (b.failedSince === undefined), 'give eventId or failedSince'),
      responses: {
        202: { description: 'Queued for delivery', schema: z.object({ queued: z.number().int() }) },
        404: notFound,
      },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        let queued = 1;
        if (body.eventId !== undefined) await svc.replayEvent(params.id, params.endpointId, body.eventId, now);
        else queued = await svc.replayFailed(params.id, params.endpointId, body.failedSince ?? 0, now);
        return { status: 202, body: { queued }, audit: { targetId: params.endpointId } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/webhooks/:endpointId/test',
      tag: TAG,
      access: 'tenant',
      summary: 'Send a test event now and say how the receiver answered',
      params: endpointParams,
      responses: { 200: { description: 'The test delivery', schema: deliverySchema }, 404: notFound },
      async handle({ principal, params, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const d = await svc.sendTest(params.id, params.endpointId, now);
        return { status: 200, body: d, audit: { targetId: params.endpointId } };
      },
    }),
  ];
}
