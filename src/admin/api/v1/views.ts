import { z } from 'zod';
import type { AuditEntry } from '../../audit/audit-log.js';
import type { ApiTokenRecord } from '../../auth/token-store.js';
import { plainEventSchema, plainStateSchema, type MessageFacts } from './message-state.js';
import type { QueuedMessage, QueueSummary, RecipientStatus, Tenant } from '../../../core/types.js';

/**
 * What the API returns, as zod schemas (for the OpenAPI document) and the functions that
 * build each answer. Every view names its fields one by one: a field added to a stored
 * record (a password hash, a sealed secret) is never returned by accident.
 */
export const tenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    smtpUsername: z.string(),
    allowedIps: z.array(z.string()),
    allowPlaintextAuth: z.boolean(),
    /** Mail over a session without TLS is refused (530 5.7.0), for AUTH and allow-listed IPs alike. */
    requireTls: z.boolean(),
    credentialsVersion: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .meta({ id: 'Tenant' });

export type TenantView = z.infer<typeof tenantSchema>;

export function tenantView(t: Tenant): TenantView {
  return {
    id: t.id,
    name: t.name,
    smtpUsername: t.smtpUsername,
    allowedIps: [...t.allowedIps],
    allowPlaintextAuth: t.allowPlaintextAuth,
    requireTls: t.requireTls === true,
    credentialsVersion: t.credentialsVersion,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export const smtpCredentialsSchema = z
  .object({
    username: z.string(),
    hasPassword: z.boolean(),
    credentialsVersion: z.number().int(),
    updatedAt: z.number().int(),
  })
  .meta({ id: 'SmtpCredentials' });

export function smtpCredentialsView(t: Tenant): z.infer<typeof smtpCredentialsSchema> {
  return {
    username: t.smtpUsername,
    hasPassword: t.smtpPasswordHash !== '',
    credentialsVersion: t.credentialsVersion,
    updatedAt: t.updatedAt,
  };
}

/** The answer that carries a new SMTP password: the only time it is shown. */
export const newSmtpPasswordSchema = z
  .object({
    username: z.string(),
    password: z.string().meta({ description: 'Shown only this once' }),
    credentialsVersion: z.number().int(),
  })
  .meta({ id: 'NewSmtpPassword' });

export const tokenInfoSchema = z
  .object({
    id: z.string(),
    createdAt: z.number().int(),
    expiresAt: z.number().int().optional(),
    lastUsedAt: z.number().int().optional(),
  })
  .meta({ id: 'ApiTokenInfo' });

export function tokenInfoView(r: ApiTokenRecord): z.infer<typeof tokenInfoSchema> {
  return {
    id: r.id,
    createdAt: r.createdAt,
    ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt }),
    ...(r.lastUsedAt === undefined ? {} : { lastUsedAt: r.lastUsedAt }),
  };
}

export const createdTokenSchema = z
  .object({
    id: z.string(),
    token: z.string().meta({ description: 'Bearer token `pb_<id>_<secret>`, shown only this once' }),
    expiresAt: z.number().int().optional(),
  })
  .meta({ id: 'NewApiToken' });

const attemptSchema = z.object({
  at: z.number().int(),
  outcome: z
    .enum([
      'delivered',
      'deferred',
      'bounced',
      'retried',
      'held',
      'released',
      'cancelled',
      'delayed',
      'auto-reply',
      'replied',
    ])
    .meta({
      description:
        "A delivery attempt's outcome, an action taken through the API or CLI, or what came back later (a " +
        'delayed DSN, an auto-reply, a reply from the client)',
    }),
  reply: z.string().meta({ description: 'The next hop\'s reply, e.g. "250 2.0.0 Ok", or the reason of an action' }),
  nextHop: z.string().optional(),
  tls: z.string().optional().meta({
    description: 'How the session with the next hop was secured: TLS version, cipher, certificate verified or why not',
  }),
});

/** Every RecipientStatus of core/types.ts, exactly (the mapped type fails to compile when the two differ). */
const STATUSES: { readonly [S in RecipientStatus]: S } = {
  queued: 'queued',
  deferred: 'deferred',
  held: 'held',
  delivered: 'delivered',
  bounced: 'bounced',
  expired: 'expired',
  cancelled: 'cancelled',
};
export const recipientStatus = z.enum(STATUSES);

const recipientSchema = z.object({
  address: z.string(),
  status: recipientStatus,
  attempts: z.number().int(),
  nextAttemptAt: z.number().int(),
  lastReply: z.string().optional(),
  role: z
    .enum(['client', 'archive', 'accountant'])
    .optional()
    .describe('Why this recipient is there; absent means client'),
  history: z.array(attemptSchema),
  state: plainStateSchema.optional().meta({ description: 'The plain state: the status moved on by opens and replies' }),
  states: z.array(plainEventSchema).optional().meta({ description: 'How it got there, oldest first' }),
});

export const reviewStateSchema = z
  .object({
    reason: z
      .enum(['header', 'document-type', 'settings-changed', 'missing-variable', 'invalid-einvoice'])
      .meta({ description: 'Why the message was held for review' }),
    detail: z.string().meta({ description: 'The same in plain words, e.g. "every reminder is held for review"' }),
    heldAt: z.number().int(),
    edit: z
      .object({ subject: z.string().optional(), text: z.string().optional(), at: z.number().int() })
      .optional()
      .meta({ description: "The tenant's edit: the subject and text the message leaves with" }),
    ended: z
      .object({
        at: z.number().int(),
        outcome: z.enum(['released', 'cancelled']),
        by: z.enum(['tenant', 'expiry']),
      })
      .optional()
      .meta({ description: 'How the hold ended; absent while the message waits for review' }),
  })
  .meta({ id: 'ReviewState' });

export const messageSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    kind: z.enum(['mail', 'dsn', 'reply', 'peppol', 'alert']),
    envelope: z.object({ from: z.string(), to: z.array(z.string()) }),
    recipients: z.array(recipientSchema),
    receivedAt: z.number().int(),
    size: z.number().int(),
    client: z.object({ address: z.string(), helo: z.string() }),
    messageId: z.string(),
    subject: z.string().optional(),
    completedAt: z.number().int().optional(),
    heldAt: z.number().int().optional(),
    review: reviewStateSchema.optional(),
    resentFrom: z.string().optional().meta({ description: 'This message resends the message with this id' }),
    resentAs: z.array(z.string()).optional().meta({ description: 'The ids of the resends of this message' }),
    state: plainStateSchema.optional().meta({
      description: 'The plain state of the message: from its client recipients (archive and accountant copies aside)',
    }),
    documentNumber: z.string().optional().meta({ description: 'The document number the content stage found' }),
  })
  .meta({ id: 'Message' });

export type MessageView = z.infer<typeof messageSchema>;

/** `facts` (message-state.ts) adds the plain states and the document number. */
export function messageView(m: QueuedMessage, facts?: MessageFacts): MessageView {
  return {
    id: m.id,
    tenantId: m.tenantId,
    kind: m.kind,
    envelope: { from: m.envelope.from, to: [...m.envelope.to] },
    recipients: m.recipients.map((r) => ({
      address: r.address,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.nextAttemptAt,
      ...(r.lastReply === undefined ? {} : { lastReply: r.lastReply }),
      ...(r.role === undefined ? {} : { role: r.role }),
      history: r.history.map((a) => ({
        at: a.at,
        outcome: a.outcome,
        reply: a.reply,
        ...(a.nextHop === undefined ? {} : { nextHop: a.nextHop }),
        ...(a.tls === undefined ? {} : { tls: a.tls }),
      })),
      ...plainOf(facts, r.address),
    })),
    receivedAt: m.receivedAt,
    size: m.size,
    client: { address: m.client.address, helo: m.client.helo },
    messageId: m.messageId,
    ...(m.subject === undefined ? {} : { subject: m.subject }),
    ...(m.completedAt === undefined ? {} : { completedAt: m.completedAt }),
    ...(m.heldAt === undefined ? {} : { heldAt: m.heldAt }),
    ...(m.review === undefined ? {} : { review: m.review }),
    ...(m.resentFrom === undefined ? {} : { resentFrom: m.resentFrom }),
    ...(m.resentAs === undefined ? {} : { resentAs: [...m.resentAs] }),
    ...(facts === undefined ? {} : { state: facts.state }),
    ...(facts?.documentNumber === undefined ? {} : { documentNumber: facts.documentNumber }),
  };
}

function plainOf(
  facts: MessageFacts | undefined,
  address: string,
): Pick<MessageView['recipients'][number], 'state' | 'states'> {
  const plain = facts?.recipients[address];
  return plain ? { state: plain.state, states: plain.history.map((e) => ({ ...e })) } : {};
}

export const summarySchema = z
  .object({
    messages: z.number().int(),
    queued: z.number().int(),
    deferred: z.number().int(),
    held: z.number().int(),
    bouncedToday: z.number().int(),
    deliveredToday: z.number().int(),
  })
  .meta({ id: 'QueueSummary' });

export function summaryView(s: QueueSummary): z.infer<typeof summarySchema> {
  return {
    messages: s.messages,
    queued: s.queued,
    deferred: s.deferred,
    held: s.held,
    bouncedToday: s.bouncedToday,
    deliveredToday: s.deliveredToday,
  };
}

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.number().int(),
    actor: z.string().meta({ description: 'Token id, or "admin"' }),
    tenantId: z.string().optional(),
    method: z.string(),
    route: z.string(),
    targetId: z.string(),
    fieldsChanged: z.array(z.string()).meta({ description: 'Names of the fields changed, never their values' }),
    status: z.number().int(),
  })
  .meta({ id: 'AuditEntry' });

export function auditEntryView(e: AuditEntry): z.infer<typeof auditEntrySchema> {
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    ...(e.tenantId === undefined ? {} : { tenantId: e.tenantId }),
    method: e.method,
    route: e.route,
    targetId: e.targetId,
    fieldsChanged: [...e.fieldsChanged],
    status: e.status,
  };
}

/**
 * Codes are for programs and never change with the language; the texts beside them follow Accept-Language (nl or en).
 */
export const errorSchema = z
  .object({
    error: z.string().meta({
      description:
        'Stable code: invalid_request (400), unauthorized (401), forbidden (403), not_found (404), ' +
        'conflict or not_available (409), payload_too_large (413), unsupported_media_type (415), ' +
        'rate_limited (429), internal_error (500), busy (503), ' +
        'insufficient_storage (507: the disk is full, retry later), bad_request (other 4xx)',
      example: 'invalid_request',
    }),
    message: z.string().optional().meta({
      description: "What went wrong, in the request's language (Accept-Language: nl or en; English by default)",
    }),
    messageCode: z.string().optional().meta({
      description: 'Stable code of `message`, e.g. own_smtp_untested; absent when the message has none',
      example: 'own_smtp_untested',
    }),
    fields: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: "Per bad field (`body.name`, `query.limit`, `params.id`): why, in the request's language" }),
    fieldCodes: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({
        description:
          'The same keys as `fields`, with a stable code per reason at the same position: required, ' +
          'invalid_type, too_small, too_big, invalid_format, invalid_value, unknown_field, invalid, ' +
          'or a specific one (unknown_variable, header_unsafe, not_an_address, ...)',
      }),
    retryAfterSeconds: z
      .number()
      .int()
      .optional()
      .meta({ description: 'With 429: seconds to wait (also in Retry-After)' }),
  })
  .meta({ id: 'Error' });
