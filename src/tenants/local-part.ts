import { REPORT_LOCAL_PARTS } from './report-addresses.js';

/**
 * Forwarding local parts (`<localPart>@<platform.sendingDomain>`): one spelling per address,
 * and the names the platform keeps for itself. Used where a local part enters (the API) and
 * where one is looked up (the inbound MX), so both compare the same string.
 */

/** What every stored and looked-up local part is: trimmed, NFKC (full-width forms fold to ASCII), lower case. */
export function normaliseLocalPart(raw: string): string {
  return raw.trim().normalize('NFKC').toLowerCase();
}

/** Role accounts (RFC 2142) and the usual do-not-reply names: never a tenant's address. */
const RESERVED = new Set([
  'postmaster',
  'abuse',
  'mailer-daemon',
  'mailerdaemon',
  'hostmaster',
  'webmaster',
  'root',
  'admin',
  'administrator',
  'noreply',
  'no-reply',
  'donotreply',
  'do-not-reply',
  ...Object.values(REPORT_LOCAL_PARTS),
]);

/** SRS0/SRS1 addresses, in any separator an SRS implementation uses (`=`, `+`, `-`). */
const SRS = /^srs[01](?:[=+-]|$)/;

/**
 * Whether nobody may claim the local part: a role account, an SRS form, or the VERP bounce
 * local part (`bounces`, `bounces+…`, `bounces-…`) that the MX parses before any tenant.
 */
export function isReservedLocalPart(localPart: string, bounceLocalPart: string): boolean {
  const lp = normaliseLocalPart(localPart);
  if (RESERVED.has(lp) || SRS.test(lp)) return true;
  const bounce = bounceLocalPart.toLowerCase();
  return lp === bounce || (lp.startsWith(bounce) && /^[+=-]/.test(lp.slice(bounce.length)));
}
