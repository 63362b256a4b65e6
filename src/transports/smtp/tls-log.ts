import type { PoolResult } from './client/pool.js';

/** The session's security as one line of the message log: version, cipher, and whether the certificate was verified. */
export function describeSession(result: Pick<PoolResult, 'tls' | 'plainReason'>, dane = false): string | undefined {
  const { tls } = result;
  if (tls === undefined) return result.plainReason === undefined ? undefined : `no TLS: ${result.plainReason}`;
  // under DANE the TLSA records, not the web PKI, vouch for the certificate (the session only went on if they did)
  const check = dane
    ? 'certificate matches TLSA (DANE)'
    : tls.verified
      ? 'certificate verified'
      : `certificate not verified (${tls.why ?? 'unknown reason'})`;
  return `${tls.version} ${tls.cipher}, ${check}`;
}

/** TLS-RPT result types (RFC 8460 4.3.2.2) for a failed session, from the client's error. */
export function failureType(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = String(cause?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  if (/STARTTLS/.test(message)) return 'starttls-not-supported';
  if (/ALTNAME|Hostname\/IP does not match/.test(code + message)) return 'certificate-host-mismatch';
  if (/EXPIRED/.test(code)) return 'certificate-expired';
  if (/SELF_SIGNED|UNABLE_TO_|CERT_UNTRUSTED|CERT_SIGNATURE/.test(code)) return 'certificate-not-trusted';
  return 'validation-failure';
}

/** The result type of a session that went through but whose certificate did not verify. */
export function unverifiedType(why: string | undefined): string {
  return failureType(Object.assign(new Error(why ?? ''), { cause: { code: why } }));
}
