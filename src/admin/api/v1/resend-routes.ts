import { z } from 'zod';
import type { ApiDeps } from './api-deps.js';
import { conflict, notFound } from './api-errors.js';
import { idParams, mailAddress } from './fields.js';
import type { ReviewApiDeps } from './route-deps.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { canSee } from './scope.js';
import { messageSchema, messageView } from './views.js';

const resendBody = z
  .strictObject({
    to: z
      .array(mailAddress)
      .min(1)
      .max(50)
      .optional()
      .meta({ description: 'A corrected address (or several); absent: the same client recipients as the original' }),
  })
  .meta({ id: 'Resend' });

/** Resend and redirect: a past message again, as a new message linked to the original. */
export function resendRoutes(deps: ApiDeps & { readonly review: ReviewApiDeps }): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/messages/:id/resend',
      tag: 'Messages',
      access: 'tenant',
      summary: 'Resend a message, to the same recipients or to a corrected address',
      description:
        'Queued as a new message (`resentFrom` names the original; the original lists it in `resentAs`) with a new ' +
        'Message-ID, through the whole pipeline with the settings of now. Archive and accountant recipients are not ' +
        'repeated. An address on the suppression list is not sent to: remove it from the list first.',
      params: idParams,
      body: resendBody,
      responses: {
        202: { description: 'The resend, queued', schema: z.object({ message: messageSchema }) },
        409: { description: 'Not mail, no client recipient, or the body is no longer kept' },
      },
      async handle({ principal, params, body, now }) {
        const msg = await deps.messages.get(params.id);
        if (!msg || !canSee(principal, msg.tenantId)) throw notFound();
        if (msg.kind !== 'mail') throw conflict('only mail can be resent');
        const resent = await deps.review.resend(msg, body.to, now);
        deps.onQueueChanged?.();
        return {
          status: 202,
          body: { message: messageView(resent) },
          audit: { tenantId: msg.tenantId, targetId: msg.id, fieldsChanged: ['resentAs'] },
        };
      },
    }),
  ];
}
