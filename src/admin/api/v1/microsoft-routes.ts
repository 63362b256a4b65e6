import { z } from 'zod';
import type { SenderSettings } from '../../../tenants/sender-settings.js';
import type { ApiDeps } from './api-deps.js';
import { conflict, invalidRequest } from './api-errors.js';
import { idParams, mailAddress } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

import type { MicrosoftApiDeps } from './route-deps.js';

const TAG = 'Microsoft 365';
const BASE = '/tenants/:id/microsoft365';

export const MICROSOFT_UNAVAILABLE = 'Microsoft 365 mode is not available on this server: no Entra app is configured';
export const MICROSOFT_NEEDS_LINK =
  'Microsoft 365 mode needs a linked, working mailbox: link one first (POST .../microsoft365/link), then choose ' +
  'mode microsoft365';

const statusSchema = z
  .object({
    status: z
      .enum(['unlinked', 'linked', 'broken'])
      .meta({ description: 'broken = Microsoft refused the stored sign-in or the mailbox: re-link needed' }),
    address: z.string().optional(),
    sendAs: z
      .array(z.string())
      .optional()
      .meta({ description: "The mailbox's address and its SMTP proxy addresses (read at link time): allowed Froms" }),
    linkedAt: z.number().optional(),
    brokenReason: z.string().optional(),
    dailyRecipientLimit: z.number(),
    recipientsToday: z.number().meta({ description: 'Recipients sent through this link since 00:00 UTC' }),
  })
  .meta({ id: 'MicrosoftLink' });

const linkBody = z
  .strictObject({
    dailyRecipientLimit: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .meta({ description: 'Recipients per UTC day for this link (Exchange Online: 10,000)' }),
  })
  .meta({ id: 'MicrosoftLinkRequest' });

const consentSchema = z.object({
  consentUrl: z.string().meta({
    description: "Open in the mailbox owner's browser; Microsoft sends it back to /oauth/microsoft/callback",
  }),
  expiresAt: z.number(),
});

const testBody = z.strictObject({ to: mailAddress }).meta({ id: 'MicrosoftTestSendRequest' });
const testSchema = z
  .object({
    ok: z.boolean(),
    summary: z.string().meta({ description: "Microsoft's answer in one line, or who the test went to" }),
  })
  .meta({ id: 'MicrosoftTestSendResult' });

/**
 * PUT …/sender with mode microsoft365: the mode needs a working link, and an own address the
 * mailbox may send as (checked against the addresses read at link time).
 */
export function checkMicrosoftMode(
  s: SenderSettings,
  previousMode: SenderSettings['mode'],
  linked: boolean | undefined,
  sendAs: readonly string[] | undefined,
): void {
  if (s.mode !== 'microsoft365') return;
  if (previousMode !== 'microsoft365' && linked !== true)
    throw conflict(linked === undefined ? MICROSOFT_UNAVAILABLE : MICROSOFT_NEEDS_LINK);
  const own = s.ownAddress?.toLowerCase();
  if (own !== undefined && sendAs !== undefined && !sendAs.some((a) => a.toLowerCase() === own))
    throw invalidRequest({
      'body.ownAddress': [
        `the linked Microsoft 365 mailbox may not send as this address (it may: ${sendAs.join(', ')})`,
      ],
    });
}

/** Microsoft 365 mode: link status, start linking (the Microsoft consent URL), unlink. */
export function microsoftRoutes(deps: ApiDeps & { readonly microsoft365: MicrosoftApiDeps }): ApiRoute[] {
  const links = deps.microsoft365;
  return [
    defineRoute({
      method: 'get',
      path: BASE,
      tag: TAG,
      access: 'tenant',
      summary: 'Microsoft 365 link status',
      description:
        'Whether a Microsoft 365 mailbox is linked (broken = re-link needed), the addresses it may send as, the ' +
        "daily recipient limit and today's count. Never a token.",
      params: idParams,
      responses: { 200: { description: 'The link', schema: statusSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: links.status(params.id) };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${BASE}/link`,
      tag: TAG,
      access: 'tenant',
      summary: 'Start linking a Microsoft 365 mailbox',
      description:
        'Answers the Microsoft consent URL (authorization code with PKCE; scopes Mail.Send, User.Read, ' +
        'offline_access). Its state works once, expires, and only in the browser that made this request: the ' +
        'response sets an HttpOnly cookie (path /oauth/microsoft) the callback checks. 409 when the server has no ' +
        'Entra app configured.',
      params: idParams,
      body: linkBody,
      responses: {
        200: { description: 'Where to send the browser', schema: consentSchema },
        409: { description: 'Microsoft 365 mode not configured on this server' },
      },
      async handle({ principal, params, body }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const { setCookie, ...started } = await links.start(params.id, body.dailyRecipientLimit);
        return {
          status: 200,
          body: started,
          setCookies: [setCookie],
          audit: { tenantId: params.id, fieldsChanged: ['microsoft365Link'] },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${BASE}/test-send`,
      tag: TAG,
      access: 'tenant',
      summary: 'Send a test message through the linked mailbox',
      description:
        'One short message from the linked mailbox to `to`, through Graph now (not the queue): `ok` false with ' +
        "Microsoft's answer when it fails; a dead grant flags the link broken. 409 when nothing is linked.",
      params: idParams,
      body: testBody,
      responses: {
        200: { description: 'What Microsoft answered', schema: testSchema },
        409: { description: 'No mailbox linked, or Microsoft 365 mode not configured' },
      },
      async handle({ principal, params, body }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const { ok, summary } = await links.testSend(params.id, body.to);
        return { status: 200, body: { ok, summary }, audit: { tenantId: params.id, fieldsChanged: [] } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: `${BASE}/link`,
      tag: TAG,
      access: 'tenant',
      summary: 'Unlink the Microsoft 365 mailbox',
      description:
        'Forgets the link and its tokens (Microsoft has no revoke for these tokens: withdraw the consent in Entra ' +
        'to end the grant itself). Mail of a tenant still in Microsoft 365 mode then waits until it links again.',
      params: idParams,
      responses: { 204: { description: 'Unlinked (also when nothing was linked)' } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        await links.unlink(params.id);
        return { status: 204, audit: { tenantId: params.id, fieldsChanged: ['microsoft365Link'] } };
      },
    }),
  ];
}
