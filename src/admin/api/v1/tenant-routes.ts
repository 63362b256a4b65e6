import { z } from 'zod';
import { addTenant, updateTenant } from '../../../tenants/tenant-service.js';
import type { ApiDeps } from './api-deps.js';
import { conflict, forbidden } from './api-errors.js';
import { allowedIps, flag, idParams, pageLimit, recordId, smtpUsername, tenantName } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';
import { newSmtpPasswordSchema, tenantSchema, tenantView } from './views.js';

const TAG = 'Tenants';
const LIST_MAX = 500;
const LIST_DEFAULT = 100;

const createBody = z
  .strictObject({
    name: tenantName,
    smtpUsername: smtpUsername.optional(),
    allowedIps: allowedIps.optional(),
    allowPlaintextAuth: z.boolean().optional(),
    requireTls: z.boolean().optional(),
  })
  .meta({ id: 'NewTenant' });

const patchBody = z
  .strictObject({
    name: tenantName.optional(),
    allowedIps: allowedIps.optional(),
    allowPlaintextAuth: z.boolean().optional(),
    requireTls: z.boolean().optional(),
  })
  .meta({ id: 'TenantChanges' });

const created = z.object({ tenant: tenantSchema, smtp: newSmtpPasswordSchema });
const page = z.object({ tenants: z.array(tenantSchema), next: z.string().optional() });

export function tenantRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/tenants',
      tag: TAG,
      access: 'admin',
      summary: 'Create a tenant',
      description:
        'Returns the tenant and its SMTP password. The password is shown only in this answer; only its hash is stored.',
      body: createBody,
      responses: { 201: { description: 'Created', schema: created }, 409: { description: 'SMTP user name taken' } },
      async handle({ body }) {
        const { tenant, password } = await addTenant(deps.tenants, body);
        return {
          status: 201,
          body: {
            tenant: tenantView(tenant),
            smtp: { username: tenant.smtpUsername, password, credentialsVersion: tenant.credentialsVersion },
          },
          audit: { targetId: tenant.id, tenantId: tenant.id, fieldsChanged: [...Object.keys(body), 'smtpPassword'] },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants',
      tag: TAG,
      access: 'tenant',
      summary: 'List tenants',
      description:
        'Oldest first, paged with `after` (the last id of the previous page). A tenant token sees only its own tenant.',
      query: z.strictObject({ limit: pageLimit(LIST_MAX), after: recordId.optional() }),
      responses: { 200: { description: 'A page of tenants', schema: page } },
      async handle({ principal, query }) {
        if (principal.kind === 'tenant') {
          const own = await deps.tenants.byId(principal.tenantId);
          const show = own && (query.after === undefined || query.after < own.id);
          return { status: 200, body: { tenants: show ? [tenantView(own)] : [] } };
        }
        const limit = query.limit ?? LIST_DEFAULT;
        const tenants = await deps.tenants.list({ limit, after: query.after });
        const last = tenants.at(-1);
        return {
          status: 200,
          body: { tenants: tenants.map(tenantView), ...(tenants.length === limit && last ? { next: last.id } : {}) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id',
      tag: TAG,
      access: 'tenant',
      summary: 'Read a tenant',
      params: idParams,
      responses: { 200: { description: 'The tenant', schema: tenantSchema } },
      async handle({ principal, params }) {
        return { status: 200, body: tenantView(await visibleTenant(deps.tenants, principal, params.id)) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/tenants/:id',
      tag: TAG,
      access: 'tenant',
      summary: 'Change a tenant',
      description:
        'Name, IP allow-list (admin only), plaintext-AUTH flag, TLS requirement (turned off by the admin only). ' +
        'Takes effect on the next SMTP transaction.',
      params: idParams,
      body: patchBody,
      responses: {
        200: { description: 'The changed tenant', schema: tenantSchema },
        403: { description: 'allowedIps, or requireTls false, with a tenant token' },
      },
      async handle({ principal, params, body }) {
        await visibleTenant(deps.tenants, principal, params.id);
        // The most specific allow-list entry decides which tenant unauthenticated mail belongs
        // to: a tenant listing another tenant's client address would receive (and could read)
        // that tenant's mail. So only the admin sets allow-lists.
        if (principal.kind === 'tenant' && body.allowedIps !== undefined)
          throw forbidden('allowedIps can only be changed with the admin token');
        // A tenant may make itself stricter; only the admin lifts a TLS requirement (it may be the admin's).
        if (principal.kind === 'tenant' && body.requireTls === false)
          throw forbidden('requireTls can only be turned off with the admin token');
        return { status: 200, body: tenantView(await updateTenant(deps.tenants, params.id, body)) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id',
      tag: TAG,
      access: 'admin',
      summary: 'Delete a tenant',
      description:
        'Refused (409) while the tenant has mail in the queue, unless `force=true`: that mail is still ' +
        'delivered. Its API tokens are revoked. Its other data (sender and content settings, domains with their ' +
        'DKIM keys, the Gmail link, the suppression list) is purged once no mail of it is left in the queue; the ' +
        'audit log stays.',
      params: idParams,
      query: z.strictObject({ force: flag.optional() }),
      responses: { 204: { description: 'Deleted' }, 409: { description: 'Mail still queued' } },
      async handle({ principal, params, query }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const pending = deps.messages.countPending(params.id);
        if (pending > 0 && query.force !== 'true')
          throw conflict(`the tenant has ${pending} message(s) in the queue; retry with force=true to delete anyway`);
        await deps.tenants.delete(params.id);
        await deps.tokens.removeForTenant(params.id);
        deps.onTenantDeleted?.(params.id);
        return { status: 204 };
      },
    }),
  ];
}
