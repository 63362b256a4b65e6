import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { QueuedMessage } from '../../../core/types.js';
import type { ApiDeps } from './api-deps.js';
import { notFound } from './api-errors.js';
import { headerText, idParams } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { canSee } from './scope.js';
import { messageSchema, messageView } from './views.js';
import { listQuery, logFilter } from './message-log-query.js';
import { messageFacts } from './message-state.js';
import { messageExtras, messageExtrasShape } from './content-routes.js';

const TAG = 'Messages';

const detail = z.object({
  message: messageSchema,
  headers: z.string().optional().meta({ description: 'The header block as sent on' }),
  body: z
    .string()
    .optional()
    .meta({ description: 'The stored message, base64; only with include=body, while it is queued' }),
  ...messageExtrasShape,
});

const one = z.object({ message: messageSchema });
type Action = 'retry' | 'hold' | 'release' | 'cancel';

export function messageRoutes(deps: ApiDeps): ApiRoute[] {
  const visible = async (principal: Principal, id: string): Promise<QueuedMessage> => {
    const msg = await deps.messages.get(id);
    if (!msg || !canSee(principal, msg.tenantId)) throw notFound();
    return msg;
  };
  const act = (action: Action, summary: string, description: string): ApiRoute =>
    defineRoute({
      method: 'post',
      path: `/messages/:id/${action}`,
      tag: TAG,
      access: 'tenant',
      summary,
      description,
      params: idParams,
      body: action === 'cancel' ? z.strictObject({ reason: headerText(200).optional() }) : z.strictObject({}),
      responses: {
        200: { description: 'The message after the change', schema: one },
        409: { description: 'Not possible in its current state' },
      },
      async handle({ principal, params, body, now }) {
        const msg = await visible(principal, params.id);
        const reason = 'reason' in body && typeof body.reason === 'string' ? body.reason : 'cancelled through the API';
        const after = await runAction(deps, action, msg.id, now, reason);
        if (action === 'retry' || action === 'release') deps.onQueueChanged?.();
        return {
          status: 200,
          body: { message: messageView(after) },
          audit: { tenantId: msg.tenantId, fieldsChanged: ['status'] },
        };
      },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/messages',
      tag: TAG,
      access: 'tenant',
      summary: 'The message log',
      description:
        'Newest first, filtered; page on with `before` = `next`. A page may hold fewer than `limit` messages ' +
        'when filters skip many.',
      query: listQuery,
      responses: {
        200: {
          description: 'A page of messages',
          schema: z.object({ messages: z.array(messageSchema), next: z.string().optional() }),
        },
      },
      async handle({ principal, query, now }) {
        const filter = logFilter(deps, principal, query, now);
        if (!filter) return { status: 200, body: { messages: [] } };
        const page = await deps.messages.list(filter);
        await deps.content?.annotations?.load?.(page.messages.map((m) => m.id));
        await deps.content?.opens?.load?.(page.messages.map((m) => m.id));
        const view = (m: QueuedMessage) => messageView(m, messageFacts(deps.content, m, now));
        return {
          status: 200,
          body: { messages: page.messages.map(view), ...(page.next === undefined ? {} : { next: page.next }) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/messages/:id',
      tag: TAG,
      access: 'tenant',
      summary: 'One message with its delivery history',
      description:
        'Per recipient every attempt (time, next hop, reply); the rendered headers; the body only with `include=body`.',
      params: idParams,
      query: z.strictObject({ include: z.enum(['body']).optional() }),
      responses: { 200: { description: 'The message', schema: detail } },
      async handle({ principal, params, query, now }) {
        const msg = await visible(principal, params.id);
        await deps.content?.annotations?.load?.([msg.id]);
        await deps.content?.opens?.load?.([msg.id]);
        const headers = await deps.messages.headers(msg.id);
        const body = query.include === 'body' ? await deps.messages.body(msg.id) : undefined;
        return {
          status: 200,
          body: {
            message: messageView(msg, messageFacts(deps.content, msg, now)),
            ...(headers === undefined ? {} : { headers }),
            ...(body === undefined ? {} : { body: body.toString('base64') }),
            ...messageExtras(deps.content, msg.id),
          },
        };
      },
    }),
    act('retry', 'Retry now', 'Makes every deferred recipient due now.'),
    act('hold', 'Hold', 'Keeps the message from delivery until it is released.'),
    act('release', 'Release', 'Lets a held message be delivered again.'),
    act('cancel', 'Cancel', 'Stops delivery to every recipient not yet final.'),
  ];
}

function runAction(deps: ApiDeps, action: Action, id: string, now: number, reason: string): Promise<QueuedMessage> {
  switch (action) {
    case 'retry':
      return deps.messages.retryNow(id, now);
    case 'hold':
      return deps.messages.hold(id, now);
    case 'release':
      return deps.messages.release(id, now);
    case 'cancel':
      return deps.messages.cancel(id, now, reason);
  }
}
