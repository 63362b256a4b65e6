import addressparser from 'nodemailer/lib/addressparser';
import type { Config } from '../../config/schema.js';
import { Replies, type SmtpReply } from '../../core/smtp-reply.js';
import type { TenantDirectory } from '../../core/types.js';
import { PLATFORM_OWNER } from '../domains/domain-types.js';
import { defaultLocalPart, type SenderSettings } from '../sender-settings.js';
import type { SenderSettingsReader } from '../sender-settings-store.js';
import type { DomainDirectory } from './sender-domains.js';
import { domainAndParents, FORM_WORDS, ownershipForm, type OwnedAddress } from './sender-ownership.js';

/**
 * Who may send as what, decided at SMTP time (MAIL FROM, and the header From, Sender and
 * Reply-To at the end of DATA), the same way in every sender mode:
 *  - an address on a domain another tenant verified (or a look-alike of one) is refused;
 *  - an address on the platform's domains is refused unless it is the tenant's own forwarding address;
 *  - where the legacy From would leave unchanged (no platform sending domain, or own SMTP
 *    without a known mailbox), From, Sender and MAIL FROM must be on a domain this tenant
 *    verified (Postfix reject_sender_login_mismatch).
 * Every refusal is 550 5.7.1 with the same words, so a refusal never tells whose a domain is.
 */
export interface SenderGuardDeps {
  readonly domains: DomainDirectory;
  readonly settings: SenderSettingsReader;
  readonly tenants: Pick<TenantDirectory, 'byId'>;
  readonly platform: Config['platform'];
  /** smtp.requireVerifiedSender: the pass-through rule above; off keeps a plain relay (the other rules stay). */
  readonly requireVerifiedSender: boolean;
  /** Gmail mode works on this server (else it falls back to forwarding). */
  readonly gmailAvailable: boolean;
  /** Microsoft 365 mode works on this server (else it falls back to forwarding). */
  readonly microsoftAvailable?: boolean;
}

/** The raw (latin1, unfolded) values of the header fields the guard reads; each field may occur more than once. */
export interface SenderFields {
  readonly from: readonly string[];
  readonly sender: readonly string[];
  readonly replyTo: readonly string[];
}

export interface SenderRefusal {
  readonly reply: SmtpReply;
  readonly reason: string;
}

export interface SenderGuard {
  /** MAIL FROM; '' (the null sender) passes. */
  envelope(tenantId: string, address: string): Promise<SenderRefusal | undefined>;
  headers(tenantId: string, fields: SenderFields): Promise<SenderRefusal | undefined>;
}

/** `tenant`: a domain this tenant verified (exact); `own-forwarding`: its platform address; `nobody`: no one's. */
export type Ownership = 'tenant' | 'own-forwarding' | 'other' | 'platform' | 'nobody';

export function createSenderGuard(deps: SenderGuardDeps): SenderGuard {
  return {
    async envelope(tenantId, address) {
      if (address === '') return undefined;
      const view = await tenantView(deps, tenantId);
      return judge(deps, view, address, { field: 'Sender', strict: view.passThrough });
    },
    async headers(tenantId, fields) {
      const view = await tenantView(deps, tenantId);
      const checks: Array<[readonly string[], string, boolean]> = [
        [fields.from, 'From', view.passThrough],
        [fields.sender, 'Sender', view.passThrough],
        [fields.replyTo, 'Reply-To', false],
      ];
      for (const [values, field, strict] of checks) {
        for (const address of values.flatMap(headerAddresses)) {
          const refusal = judge(deps, view, address, { field, strict });
          if (refusal) return refusal;
        }
      }
      return undefined;
    },
  };
}

interface TenantView {
  readonly tenantId: string;
  readonly forwardingLocal: string | undefined;
  readonly passThrough: boolean;
}

async function tenantView(deps: SenderGuardDeps, tenantId: string): Promise<TenantView> {
  const settings = deps.settings.get(tenantId);
  const tenant = await deps.tenants.byId(tenantId);
  const forwardingLocal = forwardingLocalPart(settings, tenant?.smtpUsername);
  return {
    tenantId,
    forwardingLocal,
    passThrough: deps.requireVerifiedSender && keepsLegacyFrom(deps, settings, tenantId, forwardingLocal),
  };
}

export function forwardingLocalPart(settings: SenderSettings, smtpUsername: string | undefined): string | undefined {
  if (settings.localPart !== undefined) return settings.localPart;
  return smtpUsername === undefined ? undefined : defaultLocalPart(smtpUsername);
}

/**
 * True when the pipeline would send the legacy From as it is: own SMTP without a known mailbox, or no platform domain
 * with forwarding in effect.
 */
function keepsLegacyFrom(
  deps: SenderGuardDeps,
  settings: SenderSettings,
  tenantId: string,
  forwardingLocal: string | undefined,
): boolean {
  if (settings.mode === 'own-smtp' && settings.smtp !== undefined)
    return linkedMailbox(deps, tenantId, forwardingLocal, settings) === undefined;
  if (deps.platform.sendingDomain !== null) return false;
  switch (settings.mode) {
    case 'forwarding':
      return true;
    case 'gmail':
      return !deps.gmailAvailable;
    case 'microsoft365':
      return deps.microsoftAvailable !== true;
    case 'own-smtp':
      return settings.smtp === undefined;
    case 'own-address': {
      const own = settings.ownAddress === undefined ? undefined : ownershipForm(settings.ownAddress);
      return own?.kind !== 'address' || deps.domains.ownerOf(own.domain) !== tenantId;
    }
  }
}

function judge(
  deps: SenderGuardDeps,
  view: TenantView,
  address: string,
  how: { readonly field: string; readonly strict: boolean },
): SenderRefusal | undefined {
  const form = ownershipForm(address);
  if (form.kind === 'refused' && form.why !== 'bad-domain') {
    return { reply: Replies.senderForm(how.field, FORM_WORDS[form.why]), reason: `sender-${form.why}` };
  }
  const owner = form.kind === 'address' ? ownershipOf(deps, view.tenantId, view.forwardingLocal, form) : 'nobody';
  if (owner === 'other' || owner === 'platform' || (how.strict && owner !== 'tenant' && owner !== 'own-forwarding')) {
    return { reply: Replies.senderNotOwned(how.field), reason: `sender-${owner === 'nobody' ? 'unverified' : owner}` };
  }
  return undefined;
}

/**
 * Whose `address` is. The nearest owned domain decides (a subdomain of another tenant's domain
 * is theirs too); the tenant owns only a domain it verified exactly, A-label for A-label.
 * An IDN domain whose ASCII look-alike belongs to someone else counts as theirs.
 */
export function ownershipOf(
  deps: Pick<SenderGuardDeps, 'domains' | 'platform'>,
  tenantId: string,
  forwardingLocal: string | undefined,
  address: OwnedAddress,
): Ownership {
  const sending = deps.platform.sendingDomain?.toLowerCase();
  if (
    address.domain === sending &&
    forwardingLocal !== undefined &&
    address.local.toLowerCase() === forwardingLocal.toLowerCase()
  )
    return 'own-forwarding';
  const platform = new Set([sending, deps.platform.bounceDomain?.toLowerCase()]);
  const nearest = nearestOwner(deps.domains, platform, address.domain);
  if (nearest !== undefined && nearest.owner !== tenantId)
    return nearest.owner === PLATFORM_OWNER ? 'platform' : 'other';
  if (address.lookalike !== undefined) {
    const alike = nearestOwner(deps.domains, platform, address.lookalike);
    if (alike !== undefined && alike.owner !== tenantId) return alike.owner === PLATFORM_OWNER ? 'platform' : 'other';
  }
  return nearest?.domain === address.domain ? 'tenant' : 'nobody';
}

function nearestOwner(
  domains: DomainDirectory,
  platform: ReadonlySet<string | undefined>,
  domain: string,
): { readonly domain: string; readonly owner: string } | undefined {
  if (domain.startsWith('[')) return undefined;
  for (const d of domainAndParents(domain)) {
    if (platform.has(d)) return { domain: d, owner: PLATFORM_OWNER };
    const owner = domains.ownerOf(d);
    if (owner !== undefined) return { domain: d, owner };
  }
  return undefined;
}

/** Every mailbox address in a header value (groups included); raw 8-bit text is read as UTF-8. */
export function headerAddresses(value: string): string[] {
  const text = Buffer.from(value, 'latin1').toString('utf8');
  return addressparser(text, { flatten: true }).flatMap((e) => (e.address ? [e.address] : []));
}

/**
 * True when every address in a header value is the tenant's: on a domain it verified exactly,
 * its own forwarding address, or one of `known` (addresses from its own settings). A value
 * without any address owns nothing.
 */
export function tenantOwnsAll(
  deps: Pick<SenderGuardDeps, 'domains' | 'platform'>,
  tenantId: string,
  forwardingLocal: string | undefined,
  known: readonly (string | undefined)[],
  value: string,
): boolean {
  const mine = new Set(known.flatMap((a) => (a === undefined ? [] : [a.toLowerCase()])));
  const addresses = headerAddresses(value);
  return (
    addresses.length > 0 &&
    addresses.every((address) => {
      if (mine.has(address.toLowerCase())) return true;
      const form = ownershipForm(address);
      if (form.kind !== 'address') return false;
      const owner = ownershipOf(deps, tenantId, forwardingLocal, form);
      return owner === 'tenant' || owner === 'own-forwarding';
    })
  );
}

/**
 * The mailbox an own-SMTP tenant sends as: its own address, else its server login when that
 * is an address; never one on another tenant's or the platform's domain.
 */
export function linkedMailbox(
  deps: Pick<SenderGuardDeps, 'domains' | 'platform'>,
  tenantId: string,
  forwardingLocal: string | undefined,
  settings: SenderSettings,
): string | undefined {
  for (const candidate of [settings.ownAddress, settings.smtp?.user]) {
    if (
      candidate !== undefined &&
      /^[^@\s]+@[^@\s]+$/.test(candidate) &&
      !ownedByOthers(deps, tenantId, forwardingLocal, candidate)
    )
      return candidate;
  }
  return undefined;
}

/** True when the address is another tenant's or the platform's (not the tenant's own forwarding address). */
export function ownedByOthers(
  deps: Pick<SenderGuardDeps, 'domains' | 'platform'>,
  tenantId: string,
  forwardingLocal: string | undefined,
  address: string,
): boolean {
  const form = ownershipForm(address);
  if (form.kind !== 'address') return form.why !== 'bad-domain';
  const owner = ownershipOf(deps, tenantId, forwardingLocal, form);
  return owner === 'other' || owner === 'platform';
}
