import { Replies, type SmtpReply } from '../core/smtp-reply.js';
import { reportKindOf, type ReportKind } from '../tenants/report-addresses.js';
import { srsReverse } from './srs.js';

/** The platform domains the MX answers for, and how their local parts are read. */
export interface MxDomains {
  readonly sendingDomain: string;
  /** sendingDomain when the config has no separate bounce domain. */
  readonly bounceDomain: string;
  readonly bounceLocalPart: string;
  /** SecretBox.deriveKey('srs'): SRS0 addresses (bounces of forwarded replies) are checked at RCPT. */
  readonly srsKey: Buffer;
  /**
   * The tenant whose verified bounce host (`bounces.<its domain>`, a CNAME to ours) this domain is: VERP bounces of its
   * own-address mail come there. Undefined: not one.
   */
  readonly bounceHostOwner?: (domain: string) => string | undefined;
}

/** What an accepted recipient is; the processor acts on it. */
export type MxTarget =
  | { readonly kind: 'bounce'; readonly address: string }
  | { readonly kind: 'srs'; readonly address: string }
  | { readonly kind: 'postmaster'; readonly address: string }
  | { readonly kind: 'report'; readonly address: string; readonly report: ReportKind }
  | { readonly kind: 'forwarding'; readonly address: string; readonly localPart: string };

export const MxReplies = {
  unknownUser: (): SmtpReply => ({ code: 550, enhanced: '5.1.1', text: 'No such user here' }),
  noReplies: (): SmtpReply => ({ code: 550, enhanced: '5.1.1', text: 'This address does not take replies' }),
} as const;

const ROLE_ACCOUNTS = new Set(['postmaster', 'abuse']);

/**
 * Which kind of recipient this is, or the refusal: `550 5.7.1` for any domain but ours
 * (no relaying), `550 5.1.1` for a local part we do not know. Forwarding addresses still
 * need their tenant (looked up by the listener); VERP bounces are accepted whatever their
 * MAC says, so a forgery is counted and dropped after DATA rather than answered here.
 */
export function classifyRecipient(domains: MxDomains, address: string, now: number): MxTarget | SmtpReply {
  if (address.toLowerCase() === 'postmaster') return { kind: 'postmaster', address };
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  const local = address.slice(0, at).toLowerCase();
  const onSending = domain === domains.sendingDomain.toLowerCase();
  const onBounce = domain === domains.bounceDomain.toLowerCase();
  if (at > 0 && !onSending && !onBounce && domains.bounceHostOwner?.(domain) !== undefined) {
    if (ROLE_ACCOUNTS.has(local)) return { kind: 'postmaster', address };
    return local.startsWith(`${domains.bounceLocalPart.toLowerCase()}+`)
      ? { kind: 'bounce', address }
      : MxReplies.unknownUser();
  }
  if (at <= 0 || (!onSending && !onBounce)) return Replies.relayDenied();
  if (ROLE_ACCOUNTS.has(local)) return { kind: 'postmaster', address };
  const report = onSending ? reportKindOf(local) : undefined;
  if (report !== undefined) return { kind: 'report', address, report };
  if (onBounce && local.startsWith(`${domains.bounceLocalPart.toLowerCase()}+`)) return { kind: 'bounce', address };
  if (local.startsWith('srs0='))
    return srsReverse(domains.srsKey, address, now) === undefined ? MxReplies.unknownUser() : { kind: 'srs', address };
  if (onSending) return { kind: 'forwarding', address, localPart: local };
  return MxReplies.unknownUser();
}

export function isReply(value: MxTarget | SmtpReply): value is SmtpReply {
  return 'code' in value;
}
