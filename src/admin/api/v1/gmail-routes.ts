import { z } from 'zod';
import type { ApiDeps } from './api-deps.js';
import type { GmailApiDeps } from './route-deps.js';

export type { GmailApiDeps } from './route-deps.js';
import { idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const TAG = 'Gmail';

const statusSchema = z
  .object({
    status: z
      .enum(['unlinked', 'linked', 'broken'])
      .meta({ description: 'broken = Google refused the stored token: re-link needed' }),
    address: z.string().optional(),
    aliases: z
      .array(z.string())
      .optional()
      .meta({ description: 'Verified send-as addresses of the account (refreshed at link time and daily)' }),
    linkedAt: z.number().optional(),
    brokenReason: z.string().optional(),
    smtp: z
      .boolean()
      .optional()
      .meta({ description: 'Google granted SMTP access: the own-SMTP mode may log in to Gmail by XOAUTH2' }),
    dailyLimit: z.number(),
    sentToday: z.number().meta({ description: 'Messages sent through this link since 00:00 UTC' }),
  })
  .meta({ id: 'GmailLink' });

const linkBody = z
  .strictObject({
    dailyLimit: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .meta({ description: 'Messages per UTC day for this link (Google: 2,000 for Workspace, 500 for gmail.com)' }),
    smtp: z
      .boolean()
      .optional()
      .meta({
        description:
          'Also ask for SMTP access (scope https://mail.google.com/, full mail access): for the own-SMTP mode with ' +
          'authentication oauth2 and provider google, which logs in to smtp.gmail.com by XOAUTH2',
      }),
  })
  .meta({ id: 'GmailLinkRequest' });

const consentSchema = z.object({
  consentUrl: z
    .string()
    .meta({ description: 'Open in the browser of the account owner; Google sends it back to /oauth/google/callback' }),
  expiresAt: z.number(),
});

/** Gmail mode: link status, start linking (the Google consent URL), unlink. */
export function gmailRoutes(deps: ApiDeps & { readonly gmail: GmailApiDeps }): ApiRoute[] {
  const { gmail } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/gmail',
      tag: TAG,
      access: 'tenant',
      summary: 'Gmail link status',
      description:
        'Whether a Gmail account is linked (broken = re-link needed), its send-as aliases, the daily limit and ' +
        "today's count. Never a token.",
      params: idParams,
      responses: { 200: { description: 'The link', schema: statusSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: gmail.status(params.id) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/gmail/link',
      tag: TAG,
      access: 'tenant',
      summary: 'Start linking a Gmail account',
      description:
        'Answers the Google consent URL (scopes gmail.send and gmail.readonly, offline access; with `smtp` also ' +
        'https://mail.google.com/ for an own-SMTP XOAUTH2 login). Its state works ' +
        'once, expires, and only in the browser that made this request: the response sets an HttpOnly cookie ' +
        '(path /oauth/google) the callback checks. 409 when the server has no Google OAuth client configured.',
      params: idParams,
      body: linkBody,
      responses: {
        200: { description: 'Where to send the browser', schema: consentSchema },
        409: { description: 'Gmail mode not configured on this server' },
      },
      async handle({ principal, params, body }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const { setCookie, ...started } = await gmail.start(params.id, body.dailyLimit, body.smtp === true);
        return {
          status: 200,
          body: started,
          setCookies: [setCookie],
          audit: { tenantId: params.id, fieldsChanged: ['gmailLink'] },
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/gmail/link',
      tag: TAG,
      access: 'tenant',
      summary: 'Unlink the Gmail account',
      description:
        'Revokes the token at Google (best effort) and forgets the link. Mail of a tenant still in Gmail mode ' +
        'then waits (deferred) until it links again or changes mode.',
      params: idParams,
      responses: { 204: { description: 'Unlinked (also when nothing was linked)' } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        await gmail.unlink(params.id);
        return { status: 204, audit: { tenantId: params.id, fieldsChanged: ['gmailLink'] } };
      },
    }),
  ];
}
