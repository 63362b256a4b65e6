import { parse as parseAddress } from 'smtp-address-parser';
import { z } from 'zod';
import { isGatewayError } from '../../../core/gateway-error.js';
import { normaliseDomainInput } from '../../../tenants/domains/domain-service.js';
import { parseIpRange } from '../../../core/ip-match.js';
import { validateSmtpUsername, validateTenantName } from '../../../tenants/tenant-validation.js';

/**
 * Input fields of the Config API, checked once at the edge. Values that can end up in a
 * mail header (names, subjects, addresses) refuse line breaks here, so that nothing later
 * has to sanitise them.
 */

/** CR, LF, NUL, the other C0 controls except TAB, DEL, NEL (U+0085) and U+2028/U+2029. */
const HEADER_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/u;
export const HEADER_UNSAFE_MESSAGE =
  'must not contain line breaks or control characters (CR, LF, NUL, U+0085, U+2028, U+2029)';

export function isHeaderSafe(value: string): boolean {
  return !HEADER_UNSAFE.test(value);
}

/** Text that may go into a mail header: display names, subjects, reasons. */
export function headerText(max: number): z.ZodString {
  return z.string().max(max).refine(isHeaderSafe, HEADER_UNSAFE_MESSAGE);
}

/** RFC 5321 4.5.3.1.1: a receiving server may refuse a longer local part, so it is refused here, once. */
const MAX_LOCAL_PART_OCTETS = 64;

/**
 * One RFC 5321 addr-spec (`local@domain`): no display name, no list, no line breaks, a local
 * part of at most 64 octets. The one address check of the API: every field and parameter
 * that takes an address uses it.
 */
export const mailAddress = z
  .string()
  .min(3)
  .max(254)
  .superRefine((value, ctx) => {
    if (!isHeaderSafe(value)) {
      ctx.addIssue({ code: 'custom', message: HEADER_UNSAFE_MESSAGE });
      return;
    }
    if (!isSingleAddress(value))
      ctx.addIssue({ code: 'custom', message: 'not a single e-mail address (local@domain)' });
    else if (Buffer.byteLength(value.slice(0, value.lastIndexOf('@'))) > MAX_LOCAL_PART_OCTETS) {
      ctx.addIssue({ code: 'custom', message: 'the part before the @ is longer than 64 octets (RFC 5321)' });
    }
  })
  .meta({ description: 'One e-mail address (RFC 5321 addr-spec)', example: 'facturen@acme.example' });

function isSingleAddress(value: string): boolean {
  try {
    parseAddress(value);
    return true;
  } catch {
    return false;
  }
}

/** Runs one of the tenant validators (the CLI uses the same ones) as a zod check. */
function checkedBy(validate: (value: string) => unknown) {
  return (value: string, ctx: z.core.$RefinementCtx<string>): void => {
    try {
      validate(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: isGatewayError(err) ? err.message : 'invalid value' });
    }
  };
}

/** A domain name as the domain service spells it (U-labels allowed); a bad one is a field error of its own. */
export const domainName = z.string().min(1).max(253).superRefine(checkedBy(normaliseDomainInput));

export const tenantName = z.string().max(200).superRefine(checkedBy(validateTenantName)).meta({
  description: 'Company or customer name; no line breaks or control characters',
  example: 'Acme Facturatie BV',
});

export const smtpUsername = z
  .string()
  .superRefine(checkedBy(validateSmtpUsername))
  .meta({ description: 'SMTP AUTH user name: letters, digits and . _ @ + -', example: 'acme-k3x9qa' });

export const ipEntry = z
  .string()
  .max(64)
  .refine((v) => parseIpRange(v.trim()) !== undefined, 'not an IP address or CIDR range')
  .meta({ example: '192.0.2.0/24' });

export const allowedIps = z
  .array(ipEntry)
  .max(100)
  .meta({ description: 'Client addresses or CIDR ranges that may send without SMTP AUTH' });

/** Tenant, message, token and audit ids: 26 characters of Crockford base32. */
export const recordId = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not a valid id')
  .meta({ example: '01JD4T8X9M2C5V7B3N6K0QWERT' });

/** ms since the epoch, from a query string or JSON. */
export const epochMs = z.coerce.number().int().min(0).max(8.64e15);

export function pageLimit(max: number) {
  return z.coerce.number().int().min(1).max(max).optional();
}

export const idParams = z.strictObject({ id: recordId });

/** `?force=true`: query strings carry text, so booleans are the two words. */
export const flag = z.enum(['true', 'false']);
