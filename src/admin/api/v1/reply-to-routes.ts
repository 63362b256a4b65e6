import { z } from 'zod';
import type { ApiDeps } from './api-deps.js';
import type { ReplyToConfirmationDeps } from './route-deps.js';

export type { ReplyToConfirmationDeps } from './route-deps.js';
import { ApiError, conflict } from './api-errors.js';
import { idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { visibleTenant } from './scope.js';

export const replyToConfirmedField = z
  .boolean()
  .optional()
  .meta({
    description:
      'Whether replies are forwarded to replyTo yet: false until its owner confirmed the link Postbode mailed to ' +
      'it (an address on a domain the tenant verified counts as confirmed). Absent without replyTo.',
  });

/** The sender view with `replyToConfirmed` when a reply address is set. */
export async function withReplyToStatus<V extends { replyTo?: string }>(
  confirmation: ReplyToConfirmationDeps | undefined,
  tenantId: string,
  view: V,
): Promise<V & { replyToConfirmed?: boolean }> {
  const confirmed = await confirmation?.status(tenantId, view.replyTo);
  return confirmed === undefined ? view : { ...view, replyToConfirmed: confirmed };
}

const resendAnswer = z
  .object({
    replyTo: z.string(),
    replyToConfirmed: z.boolean(),
    linkExpiresAt: z.number().optional().meta({ description: 'When the link just mailed stops working' }),
  })
  .meta({ id: 'ReplyToConfirmation' });

/**
 * Mails the confirmation link again; a few per day per tenant, a minute apart (the link goes to an address the tenant
 * typed).
 */
export function replyToRoutes(
  deps: ApiDeps,
  sender: {
    readonly store: { get(tenantId: string): { replyTo?: string } };
    readonly replyConfirmation?: ReplyToConfirmationDeps;
  },
): ApiRoute[] {
  const confirmation = sender.replyConfirmation;
  if (!confirmation) return [];
  return [
    defineRoute({
      method: 'post',
      path: '/tenants/:id/sender/reply-to/confirmation',
      tag: 'Sender',
      access: 'tenant',
      summary: 'Mail the reply address confirmation link again',
      description:
        'Sends a new one-time link to the saved replyTo (the previous link stops working). 409 without replyTo; ' +
        '429 when the limit of confirmation mails is reached (at most 5 a day, a minute apart).',
      params: idParams,
      responses: {
        202: { description: 'Link mailed', schema: resendAnswer },
        200: { description: 'Already confirmed: nothing mailed', schema: resendAnswer },
        409: { description: 'No replyTo saved' },
        429: { description: 'Too many confirmation mails: `retryAfterSeconds` says when' },
      },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        const replyTo = sender.store.get(params.id).replyTo;
        if (replyTo === undefined) throw conflict('no "send replies to" address is saved');
        const outcome = await confirmation.resend(params.id, replyTo);
        if (outcome.kind === 'rate-limited') {
          const retryAfterSeconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
          throw new ApiError(429, {
            error: 'rate_limited',
            message: `too many confirmation mails: try again in ${retryAfterSeconds} s`,
            retryAfterSeconds,
          });
        }
        if (outcome.kind === 'confirmed') return { status: 200, body: { replyTo, replyToConfirmed: true } };
        deps.onQueueChanged?.();
        return {
          status: 202,
          body: { replyTo, replyToConfirmed: false, linkExpiresAt: outcome.expiresAt },
          audit: { tenantId: params.id, fieldsChanged: ['replyToConfirmation'] },
        };
      },
    }),
  ];
}
