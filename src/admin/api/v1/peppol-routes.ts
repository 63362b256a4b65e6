import { z } from 'zod';
import { normalPeppolId, peppolIdProblem } from '../../../tenants/peppol/peppol-id.js';
import { PEPPOL_MODES, peppolTokenContext, type PeppolSettings } from '../../../tenants/peppol/peppol-settings.js';
import type { ApiDeps } from './api-deps.js';
import type { PeppolApiDeps } from './route-deps.js';
import { invalidRequest, notFound } from './api-errors.js';
import { idParams, mailAddress, recordId } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

const TAG = 'Peppol';
const MAX_RECIPIENTS = 10_000;

const participantId = z
  .string()
  .max(60)
  .superRefine((value, ctx) => {
    const problem = peppolIdProblem(value.trim());
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'Peppol participant id, `scheme:value` (ISO 6523 ICD)', example: '0208:0123456789' });

const accessPointUrl = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .max(500)
  .meta({ description: "The access point's API base; documents go to `{base}/documents`" });

const settingsBody = z
  .strictObject({
    enabled: z.boolean().optional(),
    accessPointUrl: accessPointUrl.nullable().optional(),
    token: z
      .string()
      .min(1)
      .max(4096)
      .nullable()
      .optional()
      .meta({ description: 'Bearer token of the access point; sealed at rest, never returned. null removes it' }),
    mode: z.enum(PEPPOL_MODES).optional().meta({ description: 'alongside: e-mail and Peppol; instead: Peppol only' }),
    senderId: participantId.nullable().optional().meta({ description: "The tenant's own participant id" }),
  })
  .meta({ id: 'PeppolSettingsInput' });

const settingsView = z
  .object({
    enabled: z.boolean(),
    accessPointUrl: z.string().nullable(),
    hasToken: z.boolean(),
    mode: z.enum(PEPPOL_MODES),
    senderId: z.string().nullable(),
    recipients: z.array(z.object({ address: z.string(), participantId: z.string() })),
  })
  .meta({ id: 'PeppolSettings' });

const recipientBody = z.strictObject({ address: mailAddress, participantId }).meta({ id: 'PeppolRecipientInput' });
const recipientParams = z.strictObject({ id: recordId, address: mailAddress });

function view(s: PeppolSettings): z.infer<typeof settingsView> {
  return {
    enabled: s.enabled,
    accessPointUrl: s.accessPointUrl ?? null,
    hasToken: s.tokenSealed !== undefined,
    mode: s.mode,
    senderId: s.senderId ?? null,
    recipients: Object.entries(s.recipients).map(([address, id]) => ({ address, participantId: id })),
  };
}

type SettingsBody = z.infer<typeof settingsBody>;

function changed(tenantId: string, s: PeppolSettings, b: SettingsBody, deps: PeppolApiDeps, now: number) {
  const { accessPointUrl: _u, tokenSealed: _t, senderId: _s, ...rest } = s;
  const url = b.accessPointUrl === undefined ? s.accessPointUrl : (b.accessPointUrl ?? undefined);
  const sealed =
    b.token === undefined
      ? s.tokenSealed
      : b.token === null
        ? undefined
        : deps.seal(b.token, peppolTokenContext(tenantId));
  const sender = b.senderId === undefined ? s.senderId : b.senderId === null ? undefined : normalPeppolId(b.senderId);
  const next: PeppolSettings = {
    ...rest,
    enabled: b.enabled ?? s.enabled,
    mode: b.mode ?? s.mode,
    ...(url !== undefined ? { accessPointUrl: url } : {}),
    ...(sealed !== undefined ? { tokenSealed: sealed } : {}),
    ...(sender !== undefined ? { senderId: sender } : {}),
    updatedAt: now,
  };
  if (next.enabled && next.accessPointUrl === undefined)
    throw invalidRequest({ 'body.accessPointUrl': ['required when Peppol delivery is enabled'] });
  if (next.enabled && next.tokenSealed === undefined)
    throw invalidRequest({ 'body.token': ['required when Peppol delivery is enabled'] });
  return next;
}

/** A tenant's Peppol delivery and its customers' participant ids: a tenant reads and changes its own. */
export function peppolRoutes(deps: ApiDeps & { readonly peppol: PeppolApiDeps }): ApiRoute[] {
  const { store } = deps.peppol;
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/peppol',
      tag: TAG,
      access: 'tenant',
      summary: 'Peppol delivery settings',
      description: 'The token is never returned: `hasToken` says whether one is set.',
      params: idParams,
      responses: { 200: { description: 'The settings and the listed recipients', schema: settingsView } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: view(store.get(params.id)) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenants/:id/peppol',
      tag: TAG,
      access: 'tenant',
      summary: 'Change Peppol delivery',
      description:
        'A field left out stays as it is; `null` removes it. Enabling needs an access point URL and a token. ' +
        'Only a valid UBL invoice or credit note for a listed recipient goes over Peppol (docs/peppol.md).',
      params: idParams,
      body: settingsBody,
      responses: {
        200: { description: 'The settings now', schema: settingsView },
        400: { description: 'A field is invalid; the error names it' },
      },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const next = changed(params.id, store.get(params.id), body, deps.peppol, now);
        const saved = await store.put(params.id, next);
        const fields = Object.keys(body).map((k) => (k === 'token' ? 'token (sealed)' : k));
        return { status: 200, body: view(saved), audit: { fieldsChanged: fields } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/peppol/recipients',
      tag: TAG,
      access: 'tenant',
      summary: "Set a customer's Peppol id",
      description: 'Documents for this e-mail address go to this participant id (replaces an earlier one).',
      params: idParams,
      body: recipientBody,
      responses: {
        200: { description: 'The settings now', schema: settingsView },
        400: { description: 'The address or participant id is invalid; the error names it' },
      },
      async handle({ principal, params, body, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const current = store.get(params.id);
        const address = body.address.toLowerCase();
        const count = Object.keys(current.recipients).length;
        if (current.recipients[address] === undefined && count >= MAX_RECIPIENTS)
          throw invalidRequest({ 'body.address': [`at most ${MAX_RECIPIENTS} recipients`] });
        const recipients = { ...current.recipients, [address]: normalPeppolId(body.participantId) };
        const saved = await store.put(params.id, { ...current, recipients, updatedAt: now });
        return { status: 200, body: view(saved), audit: { targetId: address } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/tenants/:id/peppol/recipients/:address',
      tag: TAG,
      access: 'tenant',
      summary: "Remove a customer's Peppol id",
      params: recipientParams,
      responses: { 204: { description: 'Removed' }, 404: { description: 'Not listed' } },
      async handle({ principal, params, now }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const current = store.get(params.id);
        const address = params.address.toLowerCase();
        if (current.recipients[address] === undefined) throw notFound();
        const { [address]: _gone, ...recipients } = current.recipients;
        await store.put(params.id, { ...current, recipients, updatedAt: now });
        return { status: 204, audit: { targetId: address } };
      },
    }),
  ];
}
