import { z } from 'zod';
import { EVENT_TYPES, TEST_EVENT_TYPE } from '../../../core/events.js';

/*
 * The webhook shapes the API and the OpenAPI document show: endpoints, deliveries, and the
 * payload of every event type (docs/webhooks.md says the same in prose).
 */

export const eventType = z.enum(EVENT_TYPES).meta({ id: 'WebhookEventType' });

const iso = z.string().meta({ description: 'ISO 8601, UTC', example: '2026-12-07T18:02:17.000Z' });

const common = {
  queueId: z.string().meta({ description: 'Postbode’s id of the message (the message log’s id)' }),
  messageId: z.string().meta({ description: 'The Message-ID header the message left with' }),
  subject: z.string().optional(),
  documentNumber: z.string().optional().meta({ description: 'The invoice’s number, when the content stage found one' }),
};
const perRecipient = {
  ...common,
  recipient: z.string().meta({ description: 'The recipient this event is about' }),
  role: z.enum(['client', 'archive', 'accountant']),
  attempts: z.number().int().meta({ description: 'Delivery attempts so far' }),
  reply: z.string().optional().meta({ description: 'The next hop’s reply line, e.g. "250 2.0.0 Ok"' }),
};
const perMessage = {
  ...common,
  recipients: z.array(z.string()).meta({ description: 'The recipients it applies to' }),
  reply: z.string().optional().meta({ description: 'The reason given for the action' }),
};

function payload<T extends z.ZodRawShape>(type: string, id: string, data: T, description: string) {
  return z.object({ type: z.literal(type), timestamp: iso, data: z.object(data) }).meta({ id, description });
}

export const eventPayloads = [
  payload('message.accepted', 'WebhookAccepted', perMessage, 'Queued: the client got 250'),
  payload('message.delivered', 'WebhookDelivered', perRecipient, 'The next hop accepted it for this recipient'),
  payload(
    'message.deferred',
    'WebhookDeferred',
    { ...perRecipient, nextAttemptAt: iso.optional() },
    'A temporary failure; it is tried again at nextAttemptAt',
  ),
  payload(
    'message.bounced',
    'WebhookBounced',
    { ...perRecipient, bounceKind: z.enum(['rejected', 'expired', 'late']) },
    'Undeliverable: refused (rejected), given up (expired), or a bounce after delivery (late)',
  ),
  payload('message.opened', 'WebhookOpened', perRecipient, 'First opened by a person (machine opens are not sent)'),
  payload('message.replied', 'WebhookReplied', perRecipient, 'The recipient replied'),
  payload('message.held', 'WebhookHeld', perMessage, 'Held: it waits for review or an administrator'),
  payload('message.released', 'WebhookReleased', perMessage, 'Released from a hold: it is sent now'),
  payload('message.cancelled', 'WebhookCancelled', perMessage, 'Cancelled: it will not be sent'),
  payload(
    'message.complaint',
    'WebhookComplaint',
    { ...perRecipient, feedbackType: z.string() },
    'The recipient reported it as spam',
  ),
  payload(TEST_EVENT_TYPE, 'WebhookTest', common, 'Sent by “send test event”; queueId and messageId are empty'),
] as const;

/** One body of each type, as GET /webhook-events shows them (the schemas above describe them). */
export function examplePayloads(): unknown[] {
  const message = {
    queueId: '01JEXM7N8K3QVX2B5C7D9F1G3H',
    messageId: '<a1b2@acme.example>',
    subject: 'Factuur 2026-017',
  };
  const one = { ...message, documentNumber: '2026-017', recipient: 'klant@example.com', role: 'client', attempts: 1 };
  const all = { ...message, recipients: ['klant@example.com'] };
  const at = '2026-12-07T18:02:17.000Z';
  const data: Record<string, object> = {
    'message.accepted': all,
    'message.delivered': { ...one, reply: '250 2.0.0 Ok: queued as 4XyZ' },
    'message.deferred': { ...one, reply: '451 4.7.1 Greylisted', nextAttemptAt: '2026-12-07T18:07:17.000Z' },
    'message.bounced': { ...one, reply: '550 5.1.1 mailbox unknown', bounceKind: 'rejected' },
    'message.opened': one,
    'message.replied': one,
    'message.held': { ...all, reply: 'held by an administrator' },
    'message.released': { ...all, reply: 'released by an administrator' },
    'message.cancelled': { ...all, reply: 'client asked' },
    'message.complaint': { ...one, feedbackType: 'abuse' },
    [TEST_EVENT_TYPE]: { queueId: '', messageId: '', subject: 'Test event from Postbode' },
  };
  return Object.entries(data).map(([type, d]) => ({ type, timestamp: at, data: d }));
}

export const healthSchema = z
  .object({
    lastSuccessAt: z.number().int().optional(),
    lastFailureAt: z.number().int().optional(),
    lastError: z.string().optional().meta({ example: 'timeout after 10000 ms' }),
    consecutiveFailures: z.number().int(),
    failingSince: z.number().int().optional().meta({ description: 'First failure since the last success' }),
  })
  .meta({ id: 'WebhookHealth' });

export const endpointSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    url: z.string(),
    events: z.array(eventType),
    enabled: z.boolean(),
    description: z.string().optional(),
    disabledReason: z
      .string()
      .optional()
      .meta({ description: 'Set when Postbode disabled it after failing for a day; enabling it clears it' }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    previousSecretRetiresAt: z
      .number()
      .int()
      .optional()
      .meta({ description: 'During a rotation: until then every request carries both signatures' }),
    health: healthSchema,
  })
  .meta({ id: 'WebhookEndpoint' });

export const withSecretSchema = z
  .object({
    endpoint: endpointSchema,
    secret: z.string().meta({
      description: 'The signing secret (whsec_ + base64), shown only this once',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .meta({ id: 'WebhookEndpointWithSecret' });

export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().meta({ description: 'The webhook-id header' }),
    endpointId: z.string(),
    type: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    createdAt: z.number().int(),
    nextAttemptAt: z.number().int().optional(),
    lastAttemptAt: z.number().int().optional(),
    lastStatus: z.number().int().optional().meta({ description: 'The receiver’s HTTP status' }),
    lastError: z.string().optional(),
    deliveredAt: z.number().int().optional(),
    replayOf: z.string().optional(),
  })
  .meta({ id: 'WebhookDelivery' });

export const endpointBody = z.strictObject({
  url: z.string().min(1).max(2000).meta({ example: 'https://erp.example.com/hooks/postbode' }),
  events: z.array(eventType).min(1).max(EVENT_TYPES.length),
  enabled: z.boolean().optional(),
  description: z.string().max(200).optional(),
});
