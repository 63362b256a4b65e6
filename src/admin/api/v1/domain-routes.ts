import { z } from 'zod';
import type { DomainService } from '../../../tenants/domains/domain-service.js';
import { domainView } from '../../../tenants/domains/domain-view.js';
import type { ApiDeps } from './api-deps.js';
import { domainName, idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const TAG = 'Domains';

const domainParams = idParams.extend({ domain: domainName });

const addBody = z
  .strictObject({
    domain: domainName.meta({ example: 'acme.example' }),
    algorithm: z
      .enum(['rsa', 'rsa+ed25519'])
      .optional()
      .meta({ description: 'rsa (default): one RSA 2048 key; rsa+ed25519: both published, both sign' }),
  })
  .meta({ id: 'NewDomain' });

const recordSchema = z.looseObject({
  type: z.string(),
  name: z.string(),
  value: z.string(),
  action: z.string(),
  purpose: z.string(),
});
const domainSchema = z
  .looseObject({
    domain: z.string(),
    status: z.enum(['pending', 'active', 'failing']),
    keySet: z.string(),
    selectors: z.array(
      z.looseObject({ selector: z.string(), algorithm: z.string(), state: z.string(), fingerprint: z.string() }),
    ),
    records: z.array(recordSchema),
    failingReason: z.string().optional(),
    bounceHost: z
      .object({ name: z.string(), target: z.string(), verified: z.boolean() })
      .optional()
      .meta({
        description:
          'The bounce host offered under the domain (`bounces.<domain>` CNAME `target`). Once `verified`, ' +
          'own-address mail uses it as envelope sender, so SPF aligns with the From',
      }),
    lastCheck: z
      .looseObject({
        at: z.number(),
        active: z.boolean(),
        records: z.array(z.looseObject({ record: z.string(), status: z.string(), advice: z.string() })),
      })
      .optional(),
  })
  .meta({ id: 'Domain' });

/** Sending domains of a tenant: add, read, check and activate, rotate the key, remove. */
export function domainRoutes(deps: ApiDeps & { readonly domains: DomainService }): ApiRoute[] {
  const { domains } = deps;
  const visible = (principal: Parameters<typeof visibleTenant>[1], id: string) =>
    visibleTenant(deps.tenants, principal, id);
  return [
    defineRoute({
      method: 'post',
      path: '/tenants/:id/domains',
      tag: TAG,
      access: 'tenant',
      summary: 'Add a sending domain',
      description:
        'Generates the DKIM key(s) and answers the DNS records to publish, in copy-paste form (SPF merged with ' +
        'the record already there). ' +
        "Other tenants' pending claims do not matter: the domain goes to the first tenant whose own DKIM records " +
        'verify.',
      params: idParams,
      body: addBody,
      responses: {
        201: { description: 'Added', schema: domainSchema },
        409: {
          description:
            "`not_available`: another account proved the domain, or it is the platform's; `conflict`: this " +
            'tenant added it already',
        },
      },
      async handle({ principal, params, body }) {
        await visible(principal, params.id);
        const record = await domains.add(params.id, body.domain, body.algorithm ?? 'rsa');
        return { status: 201, body: domainView(record), audit: { targetId: record.domain, tenantId: params.id } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/domains',
      tag: TAG,
      access: 'tenant',
      summary: 'List sending domains',
      params: idParams,
      responses: { 200: { description: 'The domains', schema: z.object({ domains: z.array(domainSchema) }) } },
      async handle({ principal, params }) {
        await visible(principal, params.id);
        return { status: 200, body: { domains: domains.list(params.id).map(domainView) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/domains/:domain',
      tag: TAG,
      access: 'tenant',
      summary: 'Read a sending domain',
      params: domainParams,
      responses: { 200: { description: 'Status, records to publish, last check per record', schema: domainSchema } },
      async handle({ principal, params }) {
        await visible(principal, params.id);
        return { status: 200, body: domainView(domains.get(params.id, params.domain)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/domains/:domain/check',
      tag: TAG,
      access: 'tenant',
      summary: 'Check and activate',
      description:
        'Looks the records up and reports per record (ok / missing / wrong / unknown) in plain words. The domain ' +
        'becomes active when DKIM matches and SPF permits the platform.',
      params: domainParams,
      responses: {
        200: { description: 'The domain after the check', schema: domainSchema },
        409: { description: '`not_available`: another account proved the domain first' },
      },
      async handle({ principal, params }) {
        await visible(principal, params.id);
        const record = await domains.check(params.id, params.domain);
        return {
          status: 200,
          body: domainView(record),
          audit: { targetId: record.domain, tenantId: params.id, fieldsChanged: ['status'] },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/domains/:domain/rotate',
      tag: TAG,
      access: 'tenant',
      summary: 'Rotate the DKIM key',
      description:
        'Makes a new key with a new selector. It stays pending until its record verifies on a later check; then ' +
        'signing switches to it and the old key is listed for removal after the grace period.',
      params: domainParams,
      responses: { 200: { description: 'The domain with its new pending key', schema: domainSchema } },
      async handle({ principal, params }) {
        await visible(principal, params.id);
        const record = await domains.rotate(params.id, params.domain);
        return {
          status: 200,
          body: domainView(record),
          audit: { targetId: record.domain, tenantId: params.id, fieldsChanged: ['selectors'] },
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/domains/:domain',
      tag: TAG,
      access: 'tenant',
      summary: 'Remove a sending domain',
      description: 'Own-address mail from it falls back to forwarding mode at once.',
      params: domainParams,
      responses: { 204: { description: 'Removed' } },
      async handle({ principal, params }) {
        await visible(principal, params.id);
        await domains.remove(params.id, params.domain);
        return { status: 204, audit: { targetId: params.domain, tenantId: params.id } };
      },
    }),
  ];
}
