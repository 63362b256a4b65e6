import { GatewayError } from '../core/gateway-error.js';
import { parseIpRange } from '../core/ip-match.js';

/**
 * Checks for tenant fields, made once where values enter (CLI, later the Config API), so
 * that a CR/LF in a name is refused when it is saved and never reaches a mail header.
 */
const NAME_MAX = 200;
const USERNAME_MAX = 64;
/** C0 controls (CR, LF, NUL, ...), DEL, NEL and the Unicode line/paragraph separators. */
const FORBIDDEN_IN_NAME = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/u;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]*$/;

function invalid(message: string): GatewayError {
  return new GatewayError('E_INVALID', message);
}

/** The name, trimmed; 1–200 characters without line breaks or control characters. */
export function validateTenantName(name: string): string {
  // Checked before trimming: trim() would silently drop a trailing CR, LF or U+2028.
  if (FORBIDDEN_IN_NAME.test(name)) throw invalid('tenant name must not contain line breaks or control characters');
  const trimmed = name.trim();
  if (trimmed.length === 0) throw invalid('tenant name must not be empty');
  if ([...trimmed].length > NAME_MAX) throw invalid(`tenant name is too long (at most ${NAME_MAX} characters)`);
  return trimmed;
}

/** 1–64 of letters, digits and `. _ @ + -`, starting with a letter or digit. */
export function validateSmtpUsername(username: string): string {
  if (username.length === 0 || username.length > USERNAME_MAX) {
    throw invalid(`SMTP user name must be 1 to ${USERNAME_MAX} characters`);
  }
  if (!USERNAME.test(username)) {
    throw invalid(
      `SMTP user name ${JSON.stringify(username)} may only hold letters, digits and . _ @ + - (starting with a ` +
        `letter or digit)`,
    );
  }
  return username;
}

/** Each entry an IP address or CIDR range (v4 or v6); trimmed, duplicates dropped. */
export function validateAllowedIps(entries: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!parseIpRange(entry)) throw invalid(`not an IP address or CIDR range: ${JSON.stringify(raw)}`);
    if (!out.includes(entry)) out.push(entry);
  }
  return out;
}
