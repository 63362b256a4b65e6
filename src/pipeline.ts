import type { Config } from './config/schema.js';
import type { Logger } from './core/logger.js';
import type { QueuedMessage, RecipientState, Route, Tenant, TenantDirectory } from './core/types.js';
import type { PlannedDelivery, Plan } from './delivery/attempt.js';
import type { RoutedRecipients } from './routing.js';
import { ACCOUNTANT_COPY_HEADER, queueAccountantCopy, type AccountantDeps } from './rules/sender-accountant.js';
import type { DomainDirectory } from './rules/sender-domains.js';
import { fieldValue, findFields, joinMessage, splitMessage, withoutFields, type HeaderedMessage } from './rules/sender-headers.js';
import { applySenderIdentity, type SenderIdentity } from './rules/sender-identity.js';
import { withoutClientHop } from './rules/client-trace.js';
import { addressIn } from './rules/sender-address.js';
import { forwardingLocalPart, linkedMailbox, ownedByOthers, tenantOwnsAll } from './rules/sender-guard.js';
import { makeVerp } from './rules/sender-verp.js';
import { signerFor, type SignStage } from './dkim/sign-stage.js';
import type { SenderSettingsReader } from './tenants/sender-settings-store.js';
import { applyContent, type ContentStageDeps } from './rules/content-stage.js';
import type { Detection } from './rules/detect.js';
import { trackedCopies, trackingWanted, type TrackingDeps } from './tracking/tracking-stage.js';
import { smtpPasswordContext, smtpSettingsHash, type SenderSettings } from './tenants/sender-settings.js';
import type { GmailPlan, GmailPlanner } from './gmail/gmail-planner.js';
import { holdUntilTested } from './delivery/own-smtp-hold.js';

/**
 * The mail flow at delivery time, in one place. The accept path stored the client's bytes
 * as they came; here, per attempt, a message becomes its deliveries:
 *
 *   1. sender mode    which mode applies (own-address falls back to forwarding until its domain is verified)
 *   2. content stages over the stored bytes, in this order:
 *        0. content rendering     (src/rules/content-stage.ts: subject template, text, layout; off → not even parsed)
 *        a. strip hidden headers  (Bcc, Return-Path, our internal markers: never sent; unless keepClientTrace,
 *                                  the client's host name and address out of our Received: line)
 *        b. sender identity       (From / Sender / Reply-To / X-Postbode-Original-From: only addresses the tenant owns
 *                                  leave; X-Postbode-Original-From only with keepClientTrace)
 *        c. open tracking         (src/tracking/tracking-stage.ts: one copy per recipient with its own pixel;
 *                                  archive copies get a token that never counts and their own transaction;
 *                                  never in own-smtp mode, never for accountant copies)
 *   3. envelope + route  VERP envelope sender per recipient through the platform transport,
 *                        or the tenant's own SMTP server as a `relay` route,
 *                        or one send through the tenant's linked Gmail account (`gmail` route, src/gmail/)
 *   4. accountant copy   automatic mode: invoices and credit notes also go, as a separate
 *                        queued message, to the accountant (once per message)
 *   5. DKIM signing      last, once the content is final (src/dkim/sign-stage.ts): platform modes
 *                        only (forwarding: platform key; own-address: the tenant domain's keys);
 *                        the tenant's own server signs its own mail; DSNs are not signed
 *
 * Archive recipients were added to the envelope at accept time; they get the client's bytes,
 * or with open tracking a copy of their own whose pixel never counts (README "Sender modes").
 * The inbound MX wraps this Plan (src/mx/mx-plan.ts): suppressed recipients are refused
 * before it runs, and forwarded replies go out as they came, without it.
 */
export interface PipelineDeps {
  readonly platform: Config['platform'];
  /** Routes through the platform transport (routing.ts). */
  readonly routes: (recipients: readonly string[]) => RoutedRecipients[];
  readonly tenants: TenantDirectory;
  readonly settings: SenderSettingsReader;
  readonly domains: DomainDirectory;
  /** SecretBox.deriveKey('verp'). */
  readonly verpKey: Buffer;
  /** SecretBox.open: the tenant's SMTP password, opened in memory for the attempt only. */
  readonly openSecret: (sealed: string, context: string) => string;
  /** Queue access for automatic accountant copies; off when absent. */
  readonly accountant?: AccountantDeps;
  readonly logger: Logger;
  /** DKIM signing of the planned deliveries (platform modes); unsigned when absent. */
  readonly sign?: SignStage;
  /** Content rendering (issue 5); legacy bytes as they came when absent. */
  readonly content?: ContentStageDeps;
  /** Open tracking (issue 5); needs `content` (the pixel goes in before MIME encoding). */
  readonly tracking?: TrackingDeps;
  /** Gmail mode (issue 7, src/gmail/): the linked account's route and From; without it gmail mode falls back to forwarding. */
  readonly gmail?: GmailPlanner;
  /** config privacy.keepClientTrace: the client's host in our Received: line and X-Postbode-Original-From leave (default: neither). */
  readonly keepClientTrace?: boolean;
}

type EffectiveMode = 'forwarding' | 'own-address' | 'own-smtp' | 'gmail';

interface ModeChoice {
  readonly mode: EffectiveMode;
  /** Why the tenant's chosen mode was not used; goes into the message log. */
  readonly note?: string;
}

/** Never sent to anyone: Bcc (RFC 5322 3.6.3), a Return-Path the client wrote, our own markers. */
const HIDDEN_HEADERS = ['bcc', 'return-path', ACCOUNTANT_COPY_HEADER];

export function stripHiddenHeaders(message: HeaderedMessage): HeaderedMessage {
  return withoutFields(message, HIDDEN_HEADERS);
}

export async function chooseMode(settings: SenderSettings, tenantId: string, domains: DomainDirectory, gmailAvailable = false): Promise<ModeChoice> {
  switch (settings.mode) {
    case 'forwarding': return { mode: 'forwarding' };
    // A missing or broken link is not a fallback: the planner defers the mail until the tenant links again.
    case 'gmail': return gmailAvailable ? { mode: 'gmail' } : { mode: 'forwarding', note: 'sent in forwarding mode: Gmail mode is not available on this server' };
    case 'own-smtp':
      return settings.smtp ? { mode: 'own-smtp' } : { mode: 'forwarding', note: 'sent in forwarding mode: no own SMTP server is set' };
    case 'own-address': {
      const domain = settings.ownAddress?.slice(settings.ownAddress.lastIndexOf('@') + 1).toLowerCase();
      if (!domain) return { mode: 'forwarding', note: 'sent in forwarding mode: no own address is set' };
      if (await domains.isVerified(domain, tenantId)) return { mode: 'own-address' };
      return { mode: 'forwarding', note: `sent in forwarding mode: domain ${domain} is not verified yet` };
    }
  }
}

/** Which legacy header fields hold only the tenant's own addresses (and may therefore leave). */
export interface LegacyOwnership {
  readonly from: boolean;
  readonly sender: boolean;
  readonly replyTo: boolean;
}

export const OWNS_NOTHING: LegacyOwnership = Object.freeze({ from: false, sender: false, replyTo: false });

/**
 * The From that leaves, per mode: forwarding → the tenant's platform address; own-address →
 * its verified own address; own SMTP → its mailbox (own address, else the server login when
 * it is an address); Gmail → the linked account or a verified alias (the planner's `from`).
 * Without a platform domain the legacy From stays: the sender guard checked it at SMTP time.
 */
export function senderIdentity(mode: EffectiveMode, settings: SenderSettings, tenant: Tenant | undefined, platform: Config['platform'], owned: LegacyOwnership = OWNS_NOTHING): SenderIdentity {
  const name = settings.displayName ?? tenant?.name;
  const base = {
    replyToWins: settings.replyToWins, keepOriginalFrom: settings.keepOriginalFrom && owned.from,
    legacyReplyToOwned: owned.replyTo, legacySenderOwned: owned.sender,
    ...(settings.replyTo !== undefined ? { replyTo: settings.replyTo } : {}),
  };
  if (mode === 'forwarding') {
    if (platform.sendingDomain === null) return base;
    const local = forwardingLocalPart(settings, tenant?.smtpUsername) ?? 'mail';
    return { ...base, from: { ...(name ? { name } : {}), address: `${local}@${platform.sendingDomain}` } };
  }
  const own = settings.ownAddress;
  return own === undefined ? base : { ...base, from: { ...(name ? { name } : {}), address: own } };
}

function withOwnAddress(settings: SenderSettings, address: string | undefined): SenderSettings {
  const { ownAddress: _replaced, ...rest } = settings;
  return address === undefined ? rest : { ...rest, ownAddress: address };
}

function legacyFromAddress(message: HeaderedMessage): string | undefined {
  const field = findFields(message, 'from')[0];
  return field === undefined ? undefined : addressIn(fieldValue(field));
}

/** The settings without an own address or reply-to on another tenant's or the platform's domain: neither may leave as From or Reply-To. */
function withoutForeignAddresses(deps: PipelineDeps, message: QueuedMessage, settings: SenderSettings, local: string | undefined): SenderSettings {
  const foreign = (a: string | undefined): boolean => a !== undefined && ownedByOthers(deps, message.tenantId, local, a);
  if (!foreign(settings.ownAddress) && !foreign(settings.replyTo)) return settings;
  deps.logger.warn({ queueId: message.id, tenantId: message.tenantId }, 'own address or reply-to is on a domain the tenant does not own: not used');
  const { ownAddress, replyTo, ...rest } = settings;
  return { ...rest, ...(ownAddress !== undefined && !foreign(ownAddress) ? { ownAddress } : {}), ...(replyTo !== undefined && !foreign(replyTo) ? { replyTo } : {}) };
}

/** Which legacy fields hold only addresses the tenant owns (a verified domain, its forwarding address, its own settings' addresses). */
function legacyOwnership(deps: PipelineDeps, tenantId: string, local: string | undefined, settings: SenderSettings, split: HeaderedMessage): LegacyOwnership {
  const known = [settings.ownAddress, settings.replyTo];
  const owns = (name: string): boolean => {
    const values = findFields(split, name).map(fieldValue);
    return values.length > 0 && values.every((v) => tenantOwnsAll(deps, tenantId, local, known, v));
  };
  return { from: owns('from'), sender: owns('sender'), replyTo: owns('reply-to') };
}

export function tenantRoute(tenantId: string, settings: SenderSettings, openSecret: PipelineDeps['openSecret']): Route {
  const smtp = settings.smtp;
  if (!smtp) throw new Error('own-smtp mode without server settings');
  const pass = smtp.passwordSealed === undefined ? undefined : openSecret(smtp.passwordSealed, smtpPasswordContext(tenantId));
  return {
    kind: 'relay', key: `${tenantId}:${smtpSettingsHash(smtp)}`, owner: tenantId,
    hop: {
      host: smtp.host, port: smtp.port, tls: smtp.tls, rejectUnauthorized: smtp.rejectUnauthorized,
      ...(smtp.user !== undefined ? { user: smtp.user } : {}), ...(pass !== undefined ? { pass } : {}),
      ...(smtp.allowPlaintextAuth === true ? { allowPlaintextAuth: true } : {}),
    },
  };
}

/** The Plan the delivery scheduler calls for each attempt of a message. */
export function createPipeline(deps: PipelineDeps): Plan {
  return async (message, body, pending) => {
    if (message.kind === 'dsn') return platformDeliveries(deps, message, body, pending);
    const tenant = await deps.tenants.byId(message.tenantId);
    const stored = deps.settings.get(message.tenantId);
    const local = forwardingLocalPart(stored, tenant?.smtpUsername);
    const settings = withoutForeignAddresses(deps, message, stored, local);
    const choice = await chooseMode(settings, message.tenantId, deps.domains, deps.gmail !== undefined);
    if (choice.note) deps.logger.info({ queueId: message.id, tenantId: message.tenantId, wanted: settings.mode, used: choice.mode, note: choice.note }, 'sender mode fallback');
    // New server settings saved in own-smtp mode: the mail waits for a passing test-send.
    if (choice.mode === 'own-smtp') holdUntilTested(settings);
    const original = splitMessage(body);
    const isCopy = findFields(original, ACCOUNTANT_COPY_HEADER).length > 0;
    const tracking = deps.tracking !== undefined && trackingWanted(deps.content?.store.get(message.tenantId)?.settings.openTracking === true, choice.mode, isCopy);
    const lead = pending.find((r) => r.role === undefined || r.role === 'client')?.address ?? message.envelope.to[0] ?? '';
    const rendered = deps.content && !isCopy ? await applyContent(deps.content, message, body, { tracking, recipient: lead }) : undefined;
    const hide = (m: HeaderedMessage): HeaderedMessage => (deps.keepClientTrace === true ? stripHiddenHeaders(m) : withoutClientHop(stripHiddenHeaders(m)));
    const split = hide(rendered ? splitMessage(rendered.raw) : original);
    // Gmail mode: the linked account decides the From (src/gmail/gmail-planner.ts); a missing or broken link defers here.
    const gmail = choice.mode === 'gmail' && deps.gmail ? await deps.gmail(message.tenantId, settings.ownAddress, legacyFromAddress(split)) : undefined;
    const owned = legacyOwnership(deps, message.tenantId, local, settings, split);
    const mailbox = gmail?.from ?? (choice.mode === 'own-smtp' ? linkedMailbox(deps, message.tenantId, local, settings) : settings.ownAddress);
    // The gateway's setting gates the tenant's: the package's own From stays in the message log either way.
    const traced = deps.keepClientTrace === true ? settings : { ...settings, keepOriginalFrom: false };
    const identity = senderIdentity(choice.mode, withOwnAddress(traced, mailbox), tenant, deps.platform, owned);
    if (traced.keepOriginalFrom && identity.from && !owned.from) deps.logger.info({ queueId: message.id, tenantId: message.tenantId, originalFrom: legacyFromAddress(split) }, 'legacy From not kept in X-Postbode-Original-From: not the tenant\'s address');
    const finish = (bytes: Buffer): Buffer => joinMessage(applySenderIdentity(hide(splitMessage(bytes)), identity));
    const raw = joinMessage(applySenderIdentity(split, identity));
    const copies = tracking && rendered && deps.tracking ? await trackedCopies(deps.tracking, rendered, message.id, pending, finish) : undefined;
    if (!isCopy) await automaticAccountantCopy(deps, message, body, settings, rendered?.detection);
    if (choice.mode === 'gmail') return gmailDeliveries(gmail, pending, raw);
    if (choice.mode === 'own-smtp') {
      const recipients = pending.map((r) => r.address);
      // The null sender stays null (a DSN must not become bounceable); else the mailbox the From names.
      const from = message.envelope.from === '' ? '' : identity.from?.address ?? message.envelope.from;
      return [{ route: tenantRoute(message.tenantId, settings, deps.openSecret), recipients, envelope: { from, to: recipients }, raw }];
    }
    const planned = verpDeliveries(deps, message, raw, pending, choice.note, copies);
    const as = signerFor(choice.mode, message.tenantId, settings.ownAddress);
    return deps.sign && as ? deps.sign(planned, as, message.id) : planned;
  };
}

/**
 * One delivery per client recipient, each with its own VERP envelope sender, so a bounce
 * names the recipient it is about. Archive recipients ride along in the first client
 * recipient's transaction (one delivery instead of two, like Postfix's always_bcc): a bounce
 * from the archive mailbox is told apart by the DSN's Final-Recipient. Without a bounce
 * domain, or for the client's null sender, every recipient goes in one transaction with the client's envelope sender.
 * With open tracking (`copies`: each recipient's own bytes) every recipient, archive included,
 * has its own transaction: a rider would carry the client's pixel.
 */
function verpDeliveries(deps: PipelineDeps, message: QueuedMessage, raw: Buffer, pending: readonly RecipientState[], note?: string, copies?: ReadonlyMap<string, Buffer>): PlannedDelivery[] {
  // A null reverse-path from the client (its own DSN) stays null: a VERP sender would make it bounceable (RFC 5321 4.5.5).
  const domain = message.envelope.from === '' ? null : deps.platform.bounceDomain ?? deps.platform.sendingDomain;
  if (domain === null && copies) {
    return pending.flatMap((r) => platformDeliveries(deps, message, copies.get(r.address) ?? raw, [r]).map((d) => ({ ...d, ...(note ? { note } : {}) })));
  }
  if (domain === null) {
    return platformDeliveries(deps, message, raw, pending).map((d) => ({ ...d, ...(note ? { note } : {}) }));
  }
  const verp = { localPart: deps.platform.bounceLocalPart, domain, key: deps.verpKey };
  const index = new Map(message.recipients.map((r, i) => [r.address, i]));
  const riders = copies ? [] : pending.filter((r) => r.role === 'archive').map((r) => r.address);
  const leads = copies ? pending : pending.filter((r) => r.role !== 'archive');
  const transactions = leads.length === 0
    ? riders.map((address) => ({ lead: address, to: [address] }))
    : leads.map((r, i) => ({ lead: r.address, to: i === 0 ? [r.address, ...riders] : [r.address] }));
  return transactions.flatMap(({ lead, to }) => {
    const from = makeVerp(verp, { queueId: message.id, recipientIndex: index.get(lead) ?? 0 });
    return deps.routes(to).map((routed) => ({
      route: routed.route, recipients: routed.recipients, envelope: { from, to: routed.recipients }, raw: copies?.get(lead) ?? raw, ...(note ? { note } : {}),
    }));
  });
}

/**
 * Gmail mode: one API send for all pending recipients (archive included, so the copy shows in
 * the tenant's Sent folder once); Gmail reads recipients from the headers, the transport adds
 * a Bcc for envelope-only ones. Google signs it: no DKIM stage, no VERP (bounces go to the mailbox).
 */
function gmailDeliveries(plan: GmailPlan | undefined, pending: readonly RecipientState[], raw: Buffer): PlannedDelivery[] {
  if (!plan) throw new Error('gmail mode without a Gmail planner');
  const recipients = pending.map((r) => r.address);
  return [{ route: plan.route, recipients, envelope: { from: plan.from, to: recipients }, raw }];
}

/** DSNs we made go out as they are, with the null sender. */
function platformDeliveries(deps: PipelineDeps, message: QueuedMessage, body: Buffer, pending: readonly RecipientState[]): PlannedDelivery[] {
  return deps.routes(pending.map((r) => r.address)).map((routed) => ({
    route: routed.route, recipients: routed.recipients, envelope: { from: message.envelope.from, to: routed.recipients }, raw: body,
  }));
}

/** A failure here never stops the delivery of the message itself: it is logged and tried again next attempt. */
async function automaticAccountantCopy(deps: PipelineDeps, message: QueuedMessage, body: Buffer, settings: SenderSettings, detection?: Detection): Promise<void> {
  if (!deps.accountant || settings.accountantMode !== 'automatic' || settings.accountantAddress === undefined) return;
  try {
    const copy = await queueAccountantCopy(deps.accountant, message, body, settings.accountantAddress, { automatic: true, detection });
    if (copy) deps.logger.info({ queueId: message.id, copyId: copy.id }, 'accountant copy queued');
  } catch (err) {
    deps.logger.error({ queueId: message.id, err }, 'accountant copy failed');
  }
}
