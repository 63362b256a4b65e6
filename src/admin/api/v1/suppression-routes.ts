import { z } from 'zod';
import type { SuppressionEntry, SuppressionStore } from '../../../feedback/suppression-store.js';
import type { ApiDeps } from './api-deps.js';
import { notFound } from './api-errors.js';
import { headerText, idParams, mailAddress, recordId } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const TAG = 'Suppression list';

const entrySchema = z
  .object({
    address: z.string(),
    reason: z.string().meta({ description: "The last bounce's reply, or the reason given when added by hand" }),
    bounces: z.number().int().meta({ description: 'Hard bounces counted (0 when added by hand)' }),
    createdAt: z.number().int(),
    lastBounceAt: z.number().int().optional(),
  })
  .meta({ id: 'Suppression' });

const addBody = z
  .strictObject({
    address: mailAddress,
    reason: headerText(500).min(1).optional(),
  })
  .meta({ id: 'NewSuppression' });

function view(e: SuppressionEntry): z.infer<typeof entrySchema> {
  return {
    address: e.address,
    reason: e.reason,
    bounces: e.bounces,
    createdAt: e.createdAt,
    ...(e.lastBounceAt === undefined ? {} : { lastBounceAt: e.lastBounceAt }),
  };
}

/** The per-tenant suppression list (src/feedback/): addresses mail is no longer sent to. */
export function suppressionRoutes(deps: ApiDeps & { readonly suppressions: SuppressionStore }): ApiRoute[] {
  const store = deps.suppressions;
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/suppressions',
      tag: TAG,
      access: 'tenant',
      summary: 'Addresses mail is not sent to',
      description:
        'Filled by hard bounces (one "user unknown", or `mx.hardBounces` others) and by hand. Mail to a listed ' +
        'address is not sent: the recipient is `bounced` with a reply that says why.',
      params: idParams,
      responses: {
        200: { description: 'The list, by address', schema: z.object({ suppressions: z.array(entrySchema) }) },
      },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: { suppressions: store.list(params.id).map(view) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/suppressions',
      tag: TAG,
      access: 'tenant',
      summary: 'Stop sending to an address',
      params: idParams,
      body: addBody,
      responses: {
        201: { description: 'On the list (an entry already there is kept as it was)', schema: entrySchema },
      },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const entry = await store.add(params.id, body.address, body.reason ?? 'added by hand', now);
        return { status: 201, body: view(entry), audit: { targetId: entry.address, tenantId: params.id } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/suppressions/:address',
      tag: TAG,
      access: 'tenant',
      summary: 'Send to an address again',
      description: 'Also forgets its bounce count. Mail still queued for it is sent at its next attempt.',
      params: z.strictObject({ id: recordId, address: mailAddress }),
      responses: { 204: { description: 'Removed' }, 404: { description: 'Not on the list' } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        if (!(await store.remove(params.id, params.address))) throw notFound();
        return { status: 204, audit: { targetId: params.address.toLowerCase(), tenantId: params.id } };
      },
    }),
  ];
}
