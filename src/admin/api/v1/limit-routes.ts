import { z } from 'zod';
import { limitOverridesSchema, type TenantLimitValues } from '../../../tenants/tenant-limits.js';
import type { TenantLimits } from '../../../tenants/tenant-limits-service.js';
import type { ApiDeps } from './api-deps.js';
import { idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const TAG = 'Limits';

const valuesSchema = z.object({
  messagesPerHour: z.number().int().nullable().meta({ description: 'null: no limit' }),
  messagesPerDay: z.number().int().nullable(),
  recipientsPerMessage: z.number().int(),
  maxMessageSize: z.number().int().meta({ description: 'Bytes' }),
  deliveryWeight: z.number().int(),
});

const limitsView = z
  .object({
    limits: valuesSchema.meta({ description: "What applies now: the overrides on top of the operator's defaults" }),
    overrides: limitOverridesSchema.meta({ description: 'Set by an admin for this tenant' }),
    defaults: valuesSchema.meta({ description: "The operator's defaults (`limits.*` in the configuration)" }),
    usage: z
      .object({
        messagesLastHour: z.number().int(),
        messagesLastDay: z.number().int(),
        limitHits: z
          .record(z.string(), z.number().int())
          .meta({ description: 'Refusals per limit since this node started' }),
      })
      .meta({ description: "Counted in this node's memory: a restart starts again from zero" }),
  })
  .meta({ id: 'TenantLimits' });

function values(v: TenantLimitValues): z.infer<typeof valuesSchema> {
  return { ...v };
}

function view(limits: TenantLimits, tenantId: string, now: number): z.infer<typeof limitsView> {
  return {
    limits: values(limits.limitsOf(tenantId)),
    overrides: { ...limits.overridesOf(tenantId) },
    defaults: values(limits.defaults),
    usage: limits.usage.view(tenantId, now),
  };
}

/** A tenant's limits and usage: a tenant reads its own, only an admin changes them. */
export function limitRoutes(deps: ApiDeps & { readonly tenantLimits: TenantLimits }): ApiRoute[] {
  const limits = deps.tenantLimits;
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/limits',
      tag: TAG,
      access: 'tenant',
      summary: 'Limits and current usage',
      description:
        'Over a rate limit MAIL FROM gets `451 4.7.1` naming it; ' +
        'past recipientsPerMessage RCPT gets `452 4.5.3`; a bigger message `552 5.3.4`.',
      params: idParams,
      responses: { 200: { description: 'Limits, overrides, defaults and usage', schema: limitsView } },
      async handle({ principal, params, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: view(limits, params.id, now) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenants/:id/limits',
      tag: TAG,
      access: 'admin',
      summary: 'Override limits (admin)',
      description:
        'A field set overrides the default, `null` returns it to the default, a field left out stays as it is. ' +
        'recipientsPerMessage and maxMessageSize never go above `smtp.maxRecipients` / `smtp.maxMessageSize`.',
      params: idParams,
      body: limitOverridesSchema,
      responses: { 200: { description: 'The limits now', schema: limitsView } },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        await limits.update(params.id, body);
        return { status: 200, body: view(limits, params.id, now) };
      },
    }),
  ];
}
