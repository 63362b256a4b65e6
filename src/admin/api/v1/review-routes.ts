import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { HeldMessage } from '../../../pipeline/review/review-service.js';
import type { ApiDeps } from './api-deps.js';
import { notFound } from './api-errors.js';
import { headerText, idParams } from './fields.js';
import type { ReviewApiDeps } from './route-deps.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { canSee, visibleTenant } from './scope.js';
import { messageSchema, messageView } from './views.js';
import { holdRulesSchema } from './review-schemas.js';

const TAG = 'Review';

const previewSchema = z
  .object({
    subject: z.string(),
    text: z.string(),
    html: z.string().optional(),
    to: z.array(z.string()).meta({ description: 'The client recipients' }),
    attachments: z.array(
      z.object({ filename: z.string().optional(), contentType: z.string(), size: z.number().int() }),
    ),
  })
  .meta({ id: 'ReviewPreview', description: 'The message as it would leave (rendered, the edit applied)' });

const heldSchema = z.object({ message: messageSchema, preview: previewSchema.optional() }).meta({ id: 'HeldMessage' });

const editBody = z
  .strictObject({
    subject: headerText(998).min(1).optional(),
    text: z.string().min(1).max(100_000).optional(),
  })
  .refine((b) => b.subject !== undefined || b.text !== undefined, { message: 'give subject, text or both' })
  .meta({ id: 'ReviewEdit' });

function heldView(h: HeldMessage): z.infer<typeof heldSchema> {
  return {
    message: messageView(h.message),
    ...(h.preview ? { preview: { ...h.preview, to: [...h.preview.to], attachments: [...h.preview.attachments] } } : {}),
  };
}

/** Review holds (src/pipeline/review/): the tenant's rules, the held messages, edit, release, cancel. */
export function reviewRoutes(deps: ApiDeps & { readonly review: ReviewApiDeps }): ApiRoute[] {
  const { service } = deps.review;
  /** The message's tenant, when the caller may see it; 404 otherwise, exactly like an unknown id. */
  const ownerOf = async (principal: Principal, id: string): Promise<string> => {
    const msg = await deps.messages.get(id);
    if (!msg || !canSee(principal, msg.tenantId) || msg.review === undefined) throw notFound();
    return msg.tenantId;
  };
  const end = (action: 'release' | 'cancel', summary: string, description: string): ApiRoute =>
    defineRoute({
      method: 'post',
      path: `/messages/:id/review/${action}`,
      tag: TAG,
      access: 'tenant',
      summary,
      description,
      params: idParams,
      body: z.strictObject({}),
      responses: {
        200: { description: 'The message after the change', schema: z.object({ message: messageSchema }) },
        404: { description: 'No such message held for review (or another tenant’s)' },
        409: { description: 'The message is not (or no longer) held for review' },
      },
      async handle({ principal, params, now }) {
        const tenantId = await ownerOf(principal, params.id);
        const after = await (action === 'release'
          ? service.release(tenantId, params.id, now)
          : service.cancel(tenantId, params.id, now));
        return {
          status: 200,
          body: { message: messageView(after) },
          audit: { tenantId, fieldsChanged: ['status'] },
        };
      },
    });
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/review-rules',
      tag: TAG,
      access: 'tenant',
      summary: 'Which messages are held for review',
      params: idParams,
      responses: { 200: { description: 'The rules (defaults when never saved)', schema: holdRulesSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: service.rules.get(params.id) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenants/:id/review-rules',
      tag: TAG,
      access: 'tenant',
      summary: 'Set which messages are held for review, and what a forgotten hold does',
      description:
        'Every message of a listed document type, the first `afterSettingsChange` messages after a change of the ' +
        'sender or content settings, and (with `header`) each message the package marks `X-Postbode-Hold: yes`. ' +
        'A hold nobody handles is released or cancelled `expiry.afterHours` after it began.',
      params: idParams,
      body: holdRulesSchema,
      responses: { 200: { description: 'The rules as saved', schema: holdRulesSchema } },
      async handle({ principal, params, body }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const saved = await service.rules.put(params.id, body);
        return { status: 200, body: saved, audit: { tenantId: params.id, fieldsChanged: Object.keys(body) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/tenants/:id/review',
      tag: TAG,
      access: 'tenant',
      summary: 'Messages held for review, with the rendered preview',
      description: 'Oldest hold first, at most 100.',
      params: idParams,
      responses: { 200: { description: 'The held messages', schema: z.object({ held: z.array(heldSchema) }) } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return { status: 200, body: { held: (await service.list(params.id)).map(heldView) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/messages/:id/review',
      tag: TAG,
      access: 'tenant',
      summary: 'One held message with its rendered preview',
      params: idParams,
      responses: { 200: { description: 'The message and its preview', schema: heldSchema } },
      async handle({ principal, params }) {
        const tenantId = await ownerOf(principal, params.id);
        return { status: 200, body: heldView(await service.get(tenantId, params.id)) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/messages/:id/review',
      tag: TAG,
      access: 'tenant',
      summary: 'Edit the subject and text of a held message',
      description:
        'The message is rendered again with the edit (kept with the message); a release sends exactly that. ' +
        'An HTML part becomes the edited text in plain paragraphs; attachments stay as they are.',
      params: idParams,
      body: editBody,
      responses: {
        200: { description: 'The message and its new preview', schema: heldSchema },
        409: { description: 'The message is no longer held for review' },
      },
      async handle({ principal, params, body, now }) {
        const tenantId = await ownerOf(principal, params.id);
        const change = {
          ...(body.subject === undefined ? {} : { subject: body.subject }),
          ...(body.text === undefined ? {} : { text: body.text }),
        };
        const edited = await service.edit(tenantId, params.id, change, now);
        return { status: 200, body: heldView(edited), audit: { tenantId, fieldsChanged: Object.keys(change) } };
      },
    }),
    end('release', 'Release a held message', 'It is sent now, exactly as the preview shows it.'),
    end('cancel', 'Cancel a held message', 'Final: nothing is sent; the history says it was cancelled after review.'),
  ];
}
