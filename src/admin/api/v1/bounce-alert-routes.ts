import { z } from 'zod';
import type { ApiDeps } from './api-deps.js';
import type { BounceAlertApiDeps } from './route-deps.js';
import { idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const TAG = 'Bounce alerts';

/** Longest wait before a deferral is reported: a week (the queue gives up after its own maximum age anyway). */
const MAX_DEFERRED_HOURS = 168;

const settingsSchema = z
  .strictObject({
    mode: z.enum(['off', 'immediate', 'daily']).meta({
      description:
        'immediate: one short mail per invoice recipient that bounced; daily: one digest a day listing them; off',
    }),
    deferredAfterHours: z.number().int().min(1).max(MAX_DEFERRED_HOURS).nullable().meta({
      description:
        'Also tell when a client recipient is still deferred this many hours after the message came in; null: never',
    }),
  })
  .meta({ id: 'BounceAlertSettings' });

/** A tenant's bounce-alert settings: read and changed by the tenant itself (or the admin). */
export function bounceAlertRoutes(deps: ApiDeps & { readonly bounceAlerts: BounceAlertApiDeps }): ApiRoute[] {
  const alerts = deps.bounceAlerts;
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/bounce-alerts',
      tag: TAG,
      access: 'tenant',
      summary: 'Bounce-alert settings',
      description:
        'Alerts go to the confirmed "send replies to" address, in the tenant\'s language, only for client ' +
        'recipients of client mail (never archive or accountant copies).',
      params: idParams,
      responses: { 200: { description: 'The settings (the defaults until saved)', schema: settingsSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: { ...alerts.settingsOf(params.id) } };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenants/:id/bounce-alerts',
      tag: TAG,
      access: 'tenant',
      summary: 'Change the bounce-alert settings',
      params: idParams,
      body: settingsSchema,
      responses: { 200: { description: 'The settings now', schema: settingsSchema } },
      async handle({ principal, params, body }) {
        await visibleTenant(deps.tenants, principal, params.id);
        await alerts.settings.put(params.id, { mode: body.mode, deferredAfterHours: body.deferredAfterHours });
        return { status: 200, body: { ...alerts.settingsOf(params.id) } };
      },
    }),
  ];
}
