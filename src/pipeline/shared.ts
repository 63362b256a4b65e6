import type { ReviewStageDeps } from './review/hold-rules-store.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { QueuedMessage, RecipientState, Route, Tenant, TenantDirectory } from '../core/types.js';
import type { PlannedDelivery } from '../core/plan.js';
import type { EffectsStore } from '../core/effects.js';
import type { RoutedRecipients } from './routing.js';
import { ACCOUNTANT_COPY_HEADER, type AccountantDeps } from './copies/sender-accountant.js';
import type { PeppolStageDeps } from './peppol/peppol-document.js';
import type { DomainDirectory } from '../tenants/ownership/sender-domains.js';
import { fieldValue, findFields, withoutFields, type HeaderedMessage } from '../mime/index.js';
import type { SenderIdentity } from './sender/sender-identity.js';
import { addressIn } from '../mime/sender-address.js';
import { forwardingLocalPart, ownedByOthers, tenantOwnsAll } from '../tenants/ownership/sender-guard.js';
import { makeVerp } from '../feedback/verp.js';
import type { SignStage } from '../mailauth/sign-stage.js';
import type { SenderSettingsReader } from '../tenants/sender-settings-store.js';
import type { ContentStageDeps } from './content/content-stage.js';
import type { TrackingDeps } from './tracking/tracking-stage.js';
import { PACKAGE_HEADER_NAMES } from './content/package-choice.js';
import { smtpPasswordContext, smtpSettingsHash, type SenderSettings } from '../tenants/sender-settings.js';
import type { GmailPlan, GmailPlanner } from '../tenants/gmail/gmail-planner.js';
import type { MicrosoftPlanner } from '../tenants/microsoft/microsoft-planner.js';

/**
 * What the pipeline's stages (src/pipeline/index.ts, which lists them in order) share: their
 * dependencies, the sender-mode choice, the identity that leaves, and the deliveries per mode.
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
  /** Peppol delivery alongside the e-mail (src/pipeline/peppol/); off when absent. */
  readonly peppol?: PeppolStageDeps;
  /** Where the stages' effects are written, in one transaction (the queue); not written when absent. */
  readonly effects?: Pick<EffectsStore, 'writeEffects'>;
  readonly logger: Logger;
  /** DKIM signing of the planned deliveries (platform modes); unsigned when absent. */
  readonly sign?: SignStage;
  /** Content rendering; legacy bytes as they came when absent. */
  readonly content?: ContentStageDeps;
  /** Open tracking; the tenant's switch is in the content settings (`content`). */
  readonly tracking?: TrackingDeps;
  /**
   * Gmail mode (src/tenants/gmail/): the linked account's route and From; without it gmail mode falls back to
   * forwarding.
   */
  readonly gmail?: GmailPlanner;
  /** Microsoft 365 mode (src/tenants/microsoft/): like `gmail`, through the linked mailbox and Graph. */
  readonly microsoft365?: MicrosoftPlanner;
  /**
   * config privacy.keepClientTrace: the client's host in our Received: line and X-Postbode-Original-From leave
   * (default: neither).
   */
  readonly keepClientTrace?: boolean;
  /** Review holds (src/pipeline/review/): the tenants' hold rules; nothing is held by rule when absent. */
  readonly review?: ReviewStageDeps;
}

export type EffectiveMode = 'forwarding' | 'own-address' | 'own-smtp' | 'gmail' | 'microsoft365';

export interface ModeChoice {
  readonly mode: EffectiveMode;
  /** Why the tenant's chosen mode was not used; goes into the message log. */
  readonly note?: string;
}

/**
 * Never sent to anyone: Bcc (RFC 5322 3.6.3), a Return-Path the client wrote, our own markers, and what the
 * package asks of Postbode per message (X-Postbode-Text, -Language, -Document-Type, -Hold).
 */
const HIDDEN_HEADERS = ['bcc', 'return-path', ACCOUNTANT_COPY_HEADER, ...PACKAGE_HEADER_NAMES];

export function stripHiddenHeaders(message: HeaderedMessage): HeaderedMessage {
  return withoutFields(message, HIDDEN_HEADERS);
}

export async function chooseMode(
  settings: SenderSettings,
  tenantId: string,
  domains: DomainDirectory,
  gmailAvailable = false,
  microsoftAvailable = false,
): Promise<ModeChoice> {
  switch (settings.mode) {
    case 'forwarding':
      return { mode: 'forwarding' };
    // A missing or broken link is not a fallback: the planner defers the mail until the tenant links again.
    case 'gmail':
      return gmailAvailable
        ? { mode: 'gmail' }
        : { mode: 'forwarding', note: 'sent in forwarding mode: Gmail mode is not available on this server' };
    case 'microsoft365':
      return microsoftAvailable
        ? { mode: 'microsoft365' }
        : { mode: 'forwarding', note: 'sent in forwarding mode: Microsoft 365 mode is not available on this server' };
    case 'own-smtp':
      return settings.smtp
        ? { mode: 'own-smtp' }
        : { mode: 'forwarding', note: 'sent in forwarding mode: no own SMTP server is set' };
    case 'own-address': {
      const domain = settings.ownAddress?.slice(settings.ownAddress.lastIndexOf('@') + 1).toLowerCase();
      if (!domain) return { mode: 'forwarding', note: 'sent in forwarding mode: no own address is set' };
      if (await domains.isVerified(domain, tenantId)) return { mode: 'own-address' };
      return { mode: 'forwarding', note: `sent in forwarding mode: domain ${domain} is not verified yet` };
    }
  }
}

/** Which mailbox modes this gateway can use (chooseMode's last arguments). */
export function available(deps: Pick<PipelineDeps, 'gmail' | 'microsoft365'>): [boolean, boolean] {
  return [deps.gmail !== undefined, deps.microsoft365 !== undefined];
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
export function senderIdentity(
  mode: EffectiveMode,
  settings: SenderSettings,
  tenant: Tenant | undefined,
  platform: Config['platform'],
  owned: LegacyOwnership = OWNS_NOTHING,
): SenderIdentity {
  const name = settings.displayName ?? tenant?.name;
  const base = {
    replyToWins: settings.replyToWins,
    keepOriginalFrom: settings.keepOriginalFrom && owned.from,
    legacyReplyToOwned: owned.replyTo,
    legacySenderOwned: owned.sender,
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

export function withOwnAddress(settings: SenderSettings, address: string | undefined): SenderSettings {
  const { ownAddress: _replaced, ...rest } = settings;
  return address === undefined ? rest : { ...rest, ownAddress: address };
}

export function legacyFromAddress(message: HeaderedMessage): string | undefined {
  const field = findFields(message, 'from')[0];
  return field === undefined ? undefined : addressIn(fieldValue(field));
}

/**
 * The settings without an own address or reply-to on another tenant's or the platform's domain: neither may leave as
 * From or Reply-To.
 */
export function withoutForeignAddresses(
  deps: PipelineDeps,
  message: QueuedMessage,
  settings: SenderSettings,
  local: string | undefined,
): SenderSettings {
  const foreign = (a: string | undefined): boolean =>
    a !== undefined && ownedByOthers(deps, message.tenantId, local, a);
  if (!foreign(settings.ownAddress) && !foreign(settings.replyTo)) return settings;
  deps.logger.warn(
    { queueId: message.id, tenantId: message.tenantId },
    'own address or reply-to is on a domain the tenant does not own: not used',
  );
  const { ownAddress, replyTo, ...rest } = settings;
  return {
    ...rest,
    ...(ownAddress !== undefined && !foreign(ownAddress) ? { ownAddress } : {}),
    ...(replyTo !== undefined && !foreign(replyTo) ? { replyTo } : {}),
  };
}

/**
 * Which legacy fields hold only addresses the tenant owns (a verified domain, its forwarding address, its own settings'
 * addresses).
 */
export function legacyOwnership(
  deps: PipelineDeps,
  tenantId: string,
  local: string | undefined,
  settings: SenderSettings,
  split: HeaderedMessage,
): LegacyOwnership {
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
  // An XOAUTH2 login's token is asked for at send time (it expires); the route holds only the provider.
  const pass =
    smtp.passwordSealed === undefined || smtp.oauth2 !== undefined
      ? undefined
      : openSecret(smtp.passwordSealed, smtpPasswordContext(tenantId));
  return {
    kind: 'relay',
    key: `${tenantId}:${smtpSettingsHash(smtp)}`,
    owner: tenantId,
    hop: {
      host: smtp.host,
      port: smtp.port,
      tls: smtp.tls,
      rejectUnauthorized: smtp.rejectUnauthorized,
      ...(smtp.user !== undefined ? { user: smtp.user } : {}),
      ...(pass !== undefined ? { pass } : {}),
      ...(smtp.allowPlaintextAuth === true ? { allowPlaintextAuth: true } : {}),
      ...(smtp.oauth2 !== undefined ? { oauth2: smtp.oauth2 } : {}),
    },
  };
}

/**
 * One delivery per client recipient, each with its own VERP envelope sender, so a bounce
 * names the recipient it is about. Archive recipients ride along in the first client
 * recipient's transaction (one delivery instead of two, like Postfix's always_bcc): a bounce
 * from the archive mailbox is told apart by the DSN's Final-Recipient. Without a bounce
 * domain, or for the client's null sender, every recipient goes in one transaction with the client's envelope sender.
 * With open tracking (`copies`: each recipient's own bytes) every recipient, archive included,
 * has its own transaction: a rider would carry the client's pixel. `bounceDomain`: the tenant's verified bounce host
 * (own-address mode), instead of the platform's bounce domain.
 */
export function verpDeliveries(
  deps: PipelineDeps,
  message: QueuedMessage,
  raw: Buffer,
  pending: readonly RecipientState[],
  note?: string,
  copies?: ReadonlyMap<string, Buffer>,
  bounceDomain?: string,
): PlannedDelivery[] {
  // A null reverse-path from the client (its own DSN) stays null: a VERP sender would make it bounceable (RFC 5321
  // 4.5.5).
  const domain =
    message.envelope.from === '' ? null : (bounceDomain ?? deps.platform.bounceDomain ?? deps.platform.sendingDomain);
  if (domain === null && copies) {
    return pending.flatMap((r) =>
      platformDeliveries(deps, message, copies.get(r.address) ?? raw, [r]).map((d) => ({
        ...d,
        ...(note ? { note } : {}),
      })),
    );
  }
  if (domain === null) {
    return platformDeliveries(deps, message, raw, pending).map((d) => ({ ...d, ...(note ? { note } : {}) }));
  }
  const verp = { localPart: deps.platform.bounceLocalPart, domain, key: deps.verpKey };
  const index = new Map(message.recipients.map((r, i) => [r.address, i]));
  const riders = copies ? [] : pending.filter((r) => r.role === 'archive').map((r) => r.address);
  const leads = copies ? pending : pending.filter((r) => r.role !== 'archive');
  const transactions =
    leads.length === 0
      ? riders.map((address) => ({ lead: address, to: [address] }))
      : leads.map((r, i) => ({ lead: r.address, to: i === 0 ? [r.address, ...riders] : [r.address] }));
  return transactions.flatMap(({ lead, to }) => {
    const from = makeVerp(verp, { queueId: message.id, recipientIndex: index.get(lead) ?? 0 });
    return deps.routes(to).map((routed) => ({
      route: routed.route,
      recipients: routed.recipients,
      envelope: { from, to: routed.recipients },
      raw: copies?.get(lead) ?? raw,
      ...(note ? { note } : {}),
    }));
  });
}

/**
 * Gmail mode: one API send for all pending recipients (archive included, so the copy shows in
 * the tenant's Sent folder once); Gmail reads recipients from the headers, the transport adds
 * a Bcc for envelope-only ones. Google signs it: no DKIM stage, no VERP (bounces go to the mailbox).
 */
export function gmailDeliveries(
  plan: GmailPlan | undefined,
  pending: readonly RecipientState[],
  raw: Buffer,
): PlannedDelivery[] {
  // Microsoft 365 mode plans the same way: Graph too reads the recipients from the headers.
  if (!plan) throw new Error('mailbox mode without its planner');
  const recipients = pending.map((r) => r.address);
  return [{ route: plan.route, recipients, envelope: { from: plan.from, to: recipients }, raw }];
}

/** DSNs we made go out as they are, with the null sender. */
export function platformDeliveries(
  deps: Pick<PipelineDeps, 'routes'>,
  message: QueuedMessage,
  body: Buffer,
  pending: readonly RecipientState[],
): PlannedDelivery[] {
  return deps.routes(pending.map((r) => r.address)).map((routed) => ({
    route: routed.route,
    recipients: routed.recipients,
    envelope: { from: message.envelope.from, to: routed.recipients },
    raw: body,
  }));
}
