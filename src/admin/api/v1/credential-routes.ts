import { z } from 'zod';
import { createTenantToken } from '../../auth/token-service.js';
import { MAX_TOKENS_PER_TENANT } from '../../auth/token-store.js';
import { revokePassword, rotatePassword } from '../../../tenants/tenant-service.js';
import type { ApiDeps } from './api-deps.js';
import { invalidRequest, notFound } from './api-errors.js';
import { epochMs, idParams, recordId } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';
import {
  createdTokenSchema,
  newSmtpPasswordSchema,
  smtpCredentialsSchema,
  smtpCredentialsView,
  tokenInfoSchema,
  tokenInfoView,
} from './views.js';

const TAG = 'Credentials';

const newTokenBody = z
  .strictObject({
    expiresAt: epochMs
      .optional()
      .meta({ description: 'When the token stops working (ms since epoch); never when left out' }),
  })
  .meta({ id: 'NewApiTokenRequest' });

/** SMTP credentials of a tenant and its API tokens: secrets are shown once, then only their metadata. */
export function credentialRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/smtp-credentials',
      tag: TAG,
      access: 'tenant',
      summary: 'SMTP credentials (never the password)',
      params: idParams,
      responses: { 200: { description: 'User name and whether a password is set', schema: smtpCredentialsSchema } },
      async handle({ principal, params }) {
        return { status: 200, body: smtpCredentialsView(await visibleTenant(deps.tenants, principal, params.id)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/smtp-credentials/rotate',
      tag: TAG,
      access: 'tenant',
      summary: 'Replace the SMTP password',
      description: 'The old password stops working on the next SMTP login. The new one is shown only in this answer.',
      params: idParams,
      responses: { 200: { description: 'The new password, shown once', schema: newSmtpPasswordSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const { tenant, password } = await rotatePassword(deps.tenants, params.id);
        return {
          status: 200,
          body: { username: tenant.smtpUsername, password, credentialsVersion: tenant.credentialsVersion },
          audit: { fieldsChanged: ['smtpPassword'] },
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/smtp-credentials',
      tag: TAG,
      access: 'tenant',
      summary: 'Remove the SMTP password',
      description:
        'SMTP AUTH fails for this tenant from the next login on (allow-listed addresses still send). Rotate ' +
        'sets a new password.',
      params: idParams,
      responses: { 200: { description: 'The credentials, now without a password', schema: smtpCredentialsSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const tenant = await revokePassword(deps.tenants, params.id);
        return { status: 200, body: smtpCredentialsView(tenant), audit: { fieldsChanged: ['smtpPassword'] } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/tokens',
      tag: TAG,
      access: 'tenant',
      summary: 'Create a tenant API token',
      description:
        `The token sees and changes only this tenant. Shown only in this answer; stored hashed. At ` +
        `most ${MAX_TOKENS_PER_TENANT} per tenant.`,
      params: idParams,
      body: newTokenBody,
      responses: {
        201: { description: 'The token, shown once', schema: createdTokenSchema },
        409: { description: 'Too many tokens' },
      },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        if (body.expiresAt !== undefined && body.expiresAt <= now)
          throw invalidRequest({ 'body.expiresAt': ['must be in the future'] });
        const created = await createTenantToken(deps.tokens, params.id, { now, expiresAt: body.expiresAt });
        return {
          status: 201,
          body: created,
          audit: { targetId: created.id, fieldsChanged: ['token', ...Object.keys(body)] },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/tokens',
      tag: TAG,
      access: 'tenant',
      summary: "List a tenant's API tokens (never the tokens)",
      params: idParams,
      responses: {
        200: { description: 'Token metadata, oldest first', schema: z.object({ tokens: z.array(tokenInfoSchema) }) },
      },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const tokens = await deps.tokens.listForTenant(params.id, MAX_TOKENS_PER_TENANT);
        return { status: 200, body: { tokens: tokens.map(tokenInfoView) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/tokens/:tokenId',
      tag: TAG,
      access: 'tenant',
      summary: 'Revoke an API token',
      description: 'Requests with the token are refused (401) from now on, on every node.',
      params: z.strictObject({ id: recordId, tokenId: recordId }),
      responses: { 204: { description: 'Revoked' } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const token = await deps.tokens.get(params.tokenId);
        if (!token || token.kind !== 'tenant' || token.tenantId !== params.id) throw notFound();
        await deps.tokens.remove(params.tokenId);
        return { status: 204 };
      },
    }),
  ];
}
