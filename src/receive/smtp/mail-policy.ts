import { parse } from 'smtp-address-parser';
import { Replies, type SmtpReply } from '../../core/smtp-reply.js';
import type { TenantDirectory } from '../../core/types.js';
import { ipInList } from '../../core/ip-match.js';

/** A refused command: the reply to send and a short metrics label. */
export interface Refusal {
  readonly reply: SmtpReply;
  readonly reason: string;
}

/** MAIL FROM syntax (RFC 5321, via smtp-address-parser). The null sender `<>` is allowed. */
export function checkSenderSyntax(address: string): Refusal | undefined {
  if (address === '') return undefined;
  const why = syntaxError(address);
  return why === undefined ? undefined : { reply: Replies.badSender(why), reason: 'syntax' };
}

/**
 * RFC 6531 3.4: without the SMTPUTF8 parameter on MAIL FROM an address must be ASCII.
 * smtp-server turns A-label domains into U-labels before we see them, so only a non-ASCII
 * local part shows what the client really sent; the domain is carried as A-labels anyway.
 */
export function checkUtf8Address(address: string, smtpUtf8: boolean): Refusal | undefined {
  if (smtpUtf8) return undefined;
  const at = address.lastIndexOf('@');
  const local = at === -1 ? address : address.slice(0, at);
  return /[^\x00-\x7f]/.test(local) ? { reply: Replies.utf8Required(), reason: 'utf8' } : undefined;
}

/** RCPT TO syntax. The bare `postmaster` must be accepted (RFC 5321 4.1.1.3). */
export function checkRecipientSyntax(address: string): Refusal | undefined {
  if (address.toLowerCase() === 'postmaster') return undefined;
  const why = syntaxError(address);
  return why === undefined ? undefined : { reply: Replies.badRecipient(why), reason: 'syntax' };
}

/**
 * Refuses a recipient past `max` with 452 4.5.3, as Postfix does: the client sends the
 * message to the recipients accepted so far and the rest in a later transaction.
 * A repeated address is not a new recipient (smtp-server merges it).
 */
export function checkRecipientCount(accepted: readonly string[], address: string, max: number): Refusal | undefined {
  if (accepted.length < max) return undefined;
  const key = address.toLowerCase();
  if (accepted.some((a) => a.toLowerCase() === key)) return undefined;
  return { reply: Replies.tooManyRecipients(max), reason: 'recipients' };
}

/**
 * Who is sending: the authenticated tenant, else the tenant whose IP allow-list holds the
 * client, else nobody (530: we are not an open relay). Looked up per MAIL FROM, so an
 * allow-list change applies from the next transaction; the directory's answer is checked
 * against the tenant's own list (exact IPs and CIDR ranges, IPv4-mapped IPv6 included).
 */
export async function resolveSenderTenant(
  client: { readonly authenticatedTenantId: string | undefined; readonly ip: string },
  tenants: TenantDirectory,
): Promise<{ readonly tenantId: string } | Refusal> {
  if (client.authenticatedTenantId !== undefined) return { tenantId: client.authenticatedTenantId };
  const tenant = await tenants.byAllowedIp(client.ip);
  if (tenant && ipInList(client.ip, tenant.allowedIps)) return { tenantId: tenant.id };
  return { reply: Replies.authRequired(), reason: 'relay' };
}

/**
 * Plain dot-atom addresses on a domain of two or more labels: a strict subset of what
 * smtp-address-parser accepts. Its nearley grammar costs ~0.25 ms per address, a real share
 * of the per-message budget, so the common case skips it; anything else (quoted local parts,
 * address literals, odd lengths) still goes through the full parser.
 */
/** A character of a dot-atom (RFC 5322 atext). */
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
/** Up to 63 letters, digits and hyphens, starting with a letter or digit and ending with one. */
const LABEL_TAIL = '(?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])';
const COMMON_ADDRESS = new RegExp(
  String.raw`^${ATEXT}+(?:\.${ATEXT}+)*@(?:[A-Za-z0-9]${LABEL_TAIL}?\.)+[A-Za-z]${LABEL_TAIL}$`,
);

function isCommonAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return at > 0 && at <= 64 && address.length - at - 1 <= 253 && COMMON_ADDRESS.test(address);
}

/** A short reason from smtp-address-parser's error (its messages run to many lines). */
function syntaxError(address: string): string | undefined {
  if (isCommonAddress(address)) return undefined;
  try {
    parse(address);
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const col = /line \d+ col (\d+)/.exec(message);
    if (col) return `unexpected character at position ${col[1]}`;
    return (message.split('\n')[0] ?? 'invalid address').replace(/^address parsing failed: /, '').slice(0, 100);
  }
}
