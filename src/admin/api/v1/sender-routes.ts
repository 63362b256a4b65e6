import { z } from 'zod';
import { normaliseLocalPart } from '../../../tenants/local-part.js';
import {
  ACCOUNTANT_MODES,
  SENDER_MODES,
  defaultLocalPart,
  smtpPasswordContext,
  smtpSettingsHash,
  type SenderSettings,
  type TenantSmtpSettings,
} from '../../../tenants/sender-settings.js';
import { isAccountantCopy } from '../../../pipeline/copies/sender-accountant.js';
import { ownSmtpNeedsTest, ownSmtpTested } from '../../../tenants/own-smtp-hold.js';
import type { TenantTargetPolicy } from '../../../tenants/tenant-target-policy.js';
import type { ApiDeps } from './api-deps.js';
import type { SenderApiDeps } from './route-deps.js';

export type { SenderApiDeps } from './route-deps.js';
import { conflict, invalidRequest, notAvailable, notFound, rateLimited, type FieldErrors } from './api-errors.js';
import { TokenBuckets } from './rate-limit.js';
import { headerText, idParams, mailAddress } from './fields.js';
import { defineRoute, type ApiRoute } from './route-spec.js';
import { canSee, visibleTenant } from './scope.js';
import { checkOwnDomain } from './sender-own-domain.js';
import { messageSchema, messageView } from './views.js';
import { replyToConfirmedField, replyToRoutes, withReplyToStatus } from './reply-to-routes.js';
import { checkSmtpAuth, smtpAuthFields, smtpAuthOf, smtpAuthView } from './sender-smtp-auth.js';
import { checkMicrosoftMode } from './microsoft-routes.js';

const TAG = 'Sender';
const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'not a host name or address');
/** Trimmed, NFKC, case-folded first: `Facturen`, ` facturen ` and full-width forms are all `facturen`. */
const localPart = z
  .string()
  .max(256)
  .transform(normaliseLocalPart)
  .pipe(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/, 'letters, digits and . _ - only'),
  );

const smtpInput = z.strictObject({
  host: hostName,
  port: z.number().int().min(1).max(65535),
  tls: z
    .enum(['implicit', 'starttls', 'opportunistic'])
    .meta({ description: 'implicit = TLS from the first byte; starttls = required; opportunistic = when offered' }),
  rejectUnauthorized: z.boolean().default(true),
  user: headerText(254).min(1).optional(),
  password: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: 'Write-only; kept when left out and host and user are unchanged' }),
  allowPlaintextAuth: z.boolean().default(false).meta({
    description: 'Send the password even when the server offers no TLS (tls opportunistic); off: no TLS, no login',
  }),
  ...smtpAuthFields,
});

/** The operator's limits on where a tenant's server may be: `body.smtp.port` / `body.smtp.host` errors. */
function checkSmtpTarget(
  input: z.output<typeof smtpInput> | null | undefined,
  policy: TenantTargetPolicy | undefined,
): void {
  if (!input || !policy) return;
  const fields: FieldErrors = {};
  const port = policy.portRefusal(input.port);
  if (port) fields['body.smtp.port'] = [port];
  const host = policy.hostRefusal(input.host);
  if (host) fields['body.smtp.host'] = [host];
  if (Object.keys(fields).length > 0) throw invalidRequest(fields);
}

const putBody = z
  .strictObject({
    mode: z.enum(SENDER_MODES).optional(),
    displayName: headerText(200).min(1).nullable().optional(),
    localPart: localPart.nullable().optional(),
    replyTo: mailAddress.nullable().optional(),
    replyToWins: z.enum(['tenant', 'legacy']).optional(),
    keepOriginalFrom: z.boolean().optional(),
    ownAddress: mailAddress.nullable().optional(),
    smtp: smtpInput.nullable().optional(),
    archiveAddress: mailAddress.nullable().optional(),
    accountantAddress: mailAddress.nullable().optional(),
    accountantMode: z.enum(ACCOUNTANT_MODES).optional(),
    forwardAutoReplies: z.boolean().optional(),
  })
  .meta({ id: 'SenderSettingsChanges', description: 'Fields left out stay as they are; null clears one.' });

const viewSchema = z
  .object({
    mode: z.enum(SENDER_MODES),
    displayName: z.string().optional(),
    localPart: z.string().optional(),
    replyTo: z.string().optional(),
    replyToConfirmed: replyToConfirmedField,
    replyToWins: z.enum(['tenant', 'legacy']),
    keepOriginalFrom: z.boolean(),
    ownAddress: z.string().optional(),
    smtp: z
      .object({
        host: z.string(),
        port: z.number(),
        tls: z.string(),
        rejectUnauthorized: z.boolean(),
        user: z.string().optional(),
        hasPassword: z.boolean(),
        allowPlaintextAuth: z.boolean(),
        ...smtpAuthView,
      })
      .optional(),
    archiveAddress: z.string().optional(),
    accountantAddress: z.string().optional(),
    accountantMode: z.enum(ACCOUNTANT_MODES),
    forwardAutoReplies: z.boolean().optional(),
    broken: z.object({ at: z.number(), reason: z.string() }).optional(),
    lastTestSend: z.object({ at: z.number(), ok: z.boolean(), summary: z.string(), current: z.boolean() }).optional(),
    needsTest: z.boolean().optional().meta({
      description:
        'Mode own-smtp with server settings no test-send has passed yet: mail waits (deferred) until one passes',
    }),
  })
  .meta({ id: 'SenderSettings' });

const testSendResult = z.object({ ok: z.boolean(), outcome: z.string(), summary: z.string() });

export function senderView(s: SenderSettings): z.infer<typeof viewSchema> {
  const { smtp, lastTestSend, broken, updatedAt: _updated, ...rest } = s;
  return {
    ...rest,
    ...(smtp
      ? {
          smtp: {
            host: smtp.host,
            port: smtp.port,
            tls: smtp.tls,
            rejectUnauthorized: smtp.rejectUnauthorized,
            ...(smtp.user ? { user: smtp.user } : {}),
            hasPassword: smtp.passwordSealed !== undefined,
            allowPlaintextAuth: smtp.allowPlaintextAuth === true,
            ...smtpAuthOf(smtp),
          },
        }
      : {}),
    ...(broken ? { broken } : {}),
    ...(lastTestSend
      ? {
          lastTestSend: {
            at: lastTestSend.at,
            ok: lastTestSend.ok,
            summary: lastTestSend.summary,
            current: smtp !== undefined && lastTestSend.settingsHash === smtpSettingsHash(smtp),
          },
        }
      : {}),
    ...(ownSmtpNeedsTest(s) ? { needsTest: true } : {}),
  };
}

type PutBody = z.output<typeof putBody>;
const OPTIONAL_FIELDS = [
  'displayName',
  'localPart',
  'replyTo',
  'ownAddress',
  'archiveAddress',
  'accountantAddress',
] as const;

/** The settings after a PUT: set fields replace, null clears, the password is sealed here and only here. */
export function applyChanges(
  current: SenderSettings,
  body: PutBody,
  tenantId: string,
  seal: SenderApiDeps['seal'],
  now: number,
): SenderSettings {
  const next: Record<string, unknown> = { ...current, updatedAt: now };
  for (const key of OPTIONAL_FIELDS) {
    const value = body[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  for (const key of ['mode', 'replyToWins', 'keepOriginalFrom', 'accountantMode', 'forwardAutoReplies'] as const) {
    if (body[key] !== undefined) next[key] = body[key];
  }
  if (body.smtp === null) delete next.smtp;
  else if (body.smtp !== undefined) next.smtp = nextSmtp(current.smtp, body.smtp, tenantId, seal);
  const result = next as unknown as SenderSettings;
  // New server settings: an old "broken" verdict was about the old ones.
  const changed = smtpHash(current.smtp) !== smtpHash(result.smtp);
  if (changed) return withoutKey(result, 'broken');
  return result;
}

function nextSmtp(
  old: TenantSmtpSettings | undefined,
  input: z.output<typeof smtpInput>,
  tenantId: string,
  seal: SenderApiDeps['seal'],
): TenantSmtpSettings {
  const sameLogin = old !== undefined && old.host.toLowerCase() === input.host.toLowerCase() && old.user === input.user;
  const oauth2 = input.authentication === 'oauth2' && input.oauthProvider !== undefined;
  // An XOAUTH2 login keeps no password: a stale one must not come back when the tenant switches back.
  const passwordSealed = oauth2
    ? undefined
    : input.password !== undefined
      ? seal(input.password, smtpPasswordContext(tenantId))
      : sameLogin
        ? old?.passwordSealed
        : undefined;
  return {
    host: input.host,
    port: input.port,
    tls: input.tls,
    rejectUnauthorized: input.rejectUnauthorized,
    ...(input.user !== undefined ? { user: input.user } : {}),
    ...(passwordSealed !== undefined ? { passwordSealed } : {}),
    ...(input.allowPlaintextAuth ? { allowPlaintextAuth: true } : {}),
    ...(oauth2 && input.oauthProvider !== undefined ? { oauth2: { provider: input.oauthProvider } } : {}),
  };
}

function smtpHash(smtp: TenantSmtpSettings | undefined): string {
  return smtp === undefined ? '' : smtpSettingsHash(smtp);
}

function withoutKey<T extends object>(value: T, key: keyof T): T {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/** Refusals of a combination of settings (each field alone was valid). */
/** `gmailLinked`: undefined when the server has no Google OAuth client (Gmail mode unavailable). */
export function checkSettings(s: SenderSettings, previousMode: SenderSettings['mode'], gmailLinked?: boolean): void {
  if (s.mode === 'gmail' && previousMode !== 'gmail' && gmailLinked !== true) {
    throw conflict(
      gmailLinked === undefined
        ? 'Gmail mode is not available on this server: no Google OAuth client is configured'
        : 'Gmail mode needs a linked, working Gmail account: link one first (POST .../gmail/link), then choose ' +
            'mode gmail',
    );
  }
  if (s.mode === 'own-address' && s.ownAddress === undefined)
    throw invalidRequest({ 'body.ownAddress': ['required for mode own-address'] });
  if (s.accountantMode !== 'off' && s.accountantAddress === undefined)
    throw invalidRequest({ 'body.accountantAddress': ['required when accountantMode is manual or automatic'] });
  if (s.mode !== 'own-smtp') return;
  if (!s.smtp) throw invalidRequest({ 'body.smtp': ['required for mode own-smtp'] });
  // Already in the mode: new server settings keep it, and mail waits for a passing test-send (needsTest).
  if (previousMode !== 'own-smtp' && !ownSmtpTested(s)) {
    throw conflict(
      'own-smtp can only be activated after a successful test-send with the current server settings: ' +
        'save the server settings (with another mode), run POST .../sender/test-send, then set mode own-smtp',
    );
  }
}

/** Per tenant: a test-send reaches a host of the tenant's choosing, so it must not become a scanner. */
function testSendGate(limit: SenderApiDeps['testSendLimit']): (tenantId: string, now: number) => void {
  if (!limit) return () => undefined;
  const buckets = new TokenBuckets(limit.perWindow / (limit.windowMs / 1000), limit.perWindow);
  return (tenantId, now) => {
    const waitMs = buckets.take(tenantId, now);
    if (waitMs > 0)
      throw rateLimited(
        waitMs,
        `at most ${limit.perWindow} test-sends per ${Math.round(limit.windowMs / 1000)} s; try again later`,
      );
  };
}

/**
 * An own address or reply address on another tenant's domain, or on the platform's other than
 * the tenant's own forwarding address, is refused when saved (the pipeline would ignore it
 * anyway); the answer does not say whose it is.
 */
function checkAddressesOwned(sender: SenderApiDeps, tenantId: string, next: SenderSettings, body: PutBody): void {
  for (const field of ['ownAddress', 'replyTo'] as const) {
    const value = body[field];
    if (typeof value === 'string' && sender.ownedByOthers?.(tenantId, next.localPart, value) === true) {
      throw notAvailable(`${field}: this address is not available`);
    }
  }
}

export function senderRoutes(deps: ApiDeps): ApiRoute[] {
  const sender = deps.sender;
  if (!sender) return [];
  const gateTestSend = testSendGate(sender.testSendLimit);
  return [
    defineRoute({
      method: 'get',
      path: '/tenants/:id/sender',
      tag: TAG,
      access: 'tenant',
      summary: 'Sender settings',
      description:
        'Sending mode, identity, own SMTP server (the password never: `hasPassword`), extra recipients, `broken` ' +
        'and the last test-send.',
      params: idParams,
      responses: { 200: { description: 'The settings', schema: viewSchema } },
      async handle({ principal, params }) {
        await visibleTenant(deps.tenants, principal, params.id);
        return {
          status: 200,
          body: await withReplyToStatus(sender.replyConfirmation, params.id, senderView(sender.store.get(params.id))),
        };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/tenants/:id/sender',
      tag: TAG,
      access: 'tenant',
      summary: 'Change sender settings',
      description:
        'Takes effect on the next message. A new replyTo gets a confirmation link by mail; replies are forwarded ' +
        'to it once confirmed (`replyToConfirmed`). Switching to mode own-smtp needs a successful test-send with ' +
        'the current server settings (409 otherwise); new server settings saved while in own-smtp keep the mode ' +
        'with `needsTest` true, and its mail waits (deferred) until a test-send passes; mode gmail needs a ' +
        'linked, working Gmail account (409 otherwise).',
      params: idParams,
      body: putBody,
      responses: {
        200: { description: 'The settings after the change', schema: viewSchema },
        409: { description: 'Mode cannot be activated yet, or the local part is not available (`not_available`)' },
      },
      async handle({ principal, params, body, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        checkSmtpTarget(body.smtp, sender.targets);
        checkSmtpAuth(body.smtp);
        if (body.localPart && sender.store.isReservedLocalPart(body.localPart))
          throw invalidRequest({ 'body.localPart': ['reserved for the platform: choose another'] });
        // The store claims a changed local part in this same transaction (409 not_available when taken).
        const saved = await sender.store.update(params.id, (current) => {
          const next = applyChanges(current, body, params.id, sender.seal, now);
          checkSettings(next, current.mode, sender.gmailLinked?.(params.id));
          const id = params.id;
          checkMicrosoftMode(next, current.mode, sender.microsoftLinked?.(id), sender.microsoftSendAs?.(id));
          checkAddressesOwned(sender, params.id, next, body);
          checkOwnDomain(deps.domains, params.id, next, body);
          // Cleared: back to the default from the SMTP user name, or a free variant of it.
          return next.localPart !== undefined
            ? next
            : { ...next, localPart: sender.store.freeLocalPart(defaultLocalPart(tenant.smtpUsername), params.id) };
        });
        const fieldsChanged = Object.keys(body).map((k) =>
          k === 'smtp' && body.smtp?.password !== undefined ? 'smtp(password)' : k,
        );
        if (body.replyTo !== undefined) await sender.replyConfirmation?.onReplyToSaved(params.id, saved.replyTo);
        return {
          status: 200,
          body: await withReplyToStatus(sender.replyConfirmation, params.id, senderView(saved)),
          audit: { tenantId: params.id, fieldsChanged },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tenants/:id/sender/test-send',
      tag: TAG,
      access: 'tenant',
      summary: 'Send a test invoice through the own SMTP server',
      description:
        "Uses the saved server settings and answers with a short classified outcome, never the server's own " +
        'text: sent; connected, TLS ok, login refused; TLS failed; server offers no TLS, login not sent; ' +
        'refused: address not allowed; connection refused; timed out; host not found. With an OAuth login ' +
        "(`smtp.authentication` oauth2) the token of the tenant's own link is used, renewed once when refused; " +
        'outcome not-linked or link-broken says why there is none. Limited per tenant (429 with Retry-After).',
      params: idParams,
      body: z.strictObject({ to: mailAddress }),
      responses: {
        200: { description: 'What happened', schema: testSendResult },
        409: { description: 'No server settings saved' },
        429: { description: 'Too many test-sends; see Retry-After' },
      },
      async handle({ principal, params, body, now }) {
        const tenant = await visibleTenant(deps.tenants, principal, params.id);
        const settings = sender.store.get(params.id);
        const smtp = settings.smtp;
        if (!smtp) throw conflict('save the own SMTP server settings first');
        gateTestSend(params.id, now);
        const result = await sender.testSend(tenant, settings, body.to);
        await sender.store.update(params.id, (current) => {
          // changed meanwhile
          if (!current.smtp || smtpSettingsHash(current.smtp) !== smtpSettingsHash(smtp)) return current;
          const recorded = {
            ...current,
            lastTestSend: { at: now, ok: result.ok, summary: result.summary, settingsHash: smtpSettingsHash(smtp) },
          };
          return result.ok ? withoutKey(recorded, 'broken') : recorded;
        });
        if (result.ok) sender.onTestPassed?.(params.id);
        return { status: 200, body: result, audit: { tenantId: params.id, fieldsChanged: ['lastTestSend'] } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/messages/:id/send-to-accountant',
      tag: 'Messages',
      access: 'tenant',
      summary: 'Send a past message to the accountant',
      description:
        "A separate message to the tenant's accountant with the documents (PDF, XML) of the stored message " +
        "attached as they came, in the accountant's language with the tenant's accountant template (content " +
        'settings `accountant`). An accountant copy itself is refused (409).',
      params: idParams,
      responses: {
        202: { description: 'The copy, queued', schema: z.object({ message: messageSchema }) },
        409: { description: 'No accountant address, the body was purged, or the message is itself an accountant copy' },
      },
      async handle({ principal, params }) {
        const msg = await deps.messages.get(params.id);
        if (!msg || !canSee(principal, msg.tenantId)) throw notFound();
        const settings = sender.store.get(msg.tenantId);
        if (settings.accountantAddress === undefined || settings.accountantMode === 'off')
          throw conflict('the tenant has no accountant address (or accountantMode is off)');
        if (msg.kind !== 'mail') throw conflict('only mail can be sent to the accountant');
        if (isAccountantCopy(msg))
          throw conflict(
            'this message is itself a copy for the accountant; send the original message to the accountant instead',
          );
        const body = await deps.messages.body(msg.id);
        if (!body) throw conflict('the message body is no longer kept (retention)');
        const copy = await sender.sendToAccountant(msg, body, settings.accountantAddress);
        deps.onQueueChanged?.();
        return {
          status: 202,
          body: { message: messageView(copy) },
          audit: { tenantId: msg.tenantId, targetId: msg.id, fieldsChanged: ['accountantCopy'] },
        };
      },
    }),
    ...replyToRoutes(deps, sender),
  ];
}
