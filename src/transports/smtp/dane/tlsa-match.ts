import { createHash, X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { TlsaRecord } from './tlsa-lookup.js';

/**
 * DANE for SMTP (RFC 7672 3.1): DANE-EE(3) pins the server's own certificate or key, without
 * a name or date check; DANE-TA(2) pins a trust anchor in the presented chain, and the leaf
 * must chain to it and name the MX host. PKIX usages (0, 1) are unusable for SMTP (3.1.3).
 */
const DANE_TA = 2;
const DANE_EE = 3;

/** The records DANE for SMTP can use; none usable means "TLS required, not authenticated" (RFC 7672 2.2). */
export function usableRecords(records: readonly TlsaRecord[]): TlsaRecord[] {
  return records.filter((r) => (r.usage === DANE_TA || r.usage === DANE_EE) && r.selector <= 1 && r.matchingType <= 2);
}

function selected(cert: X509Certificate, selector: number): Buffer {
  return selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
}

function matches(record: TlsaRecord, cert: X509Certificate): boolean {
  const bytes = selected(cert, record.selector);
  const digest =
    record.matchingType === 0
      ? bytes
      : createHash(record.matchingType === 1 ? 'sha256' : 'sha512')
          .update(bytes)
          .digest();
  return digest.equals(record.data);
}

/** The presented chain, leaf first, as the server sent it (a self-signed root ends it). */
function presentedChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw !== undefined && chain.length < 10) {
    chain.push(new X509Certificate(cert.raw));
    if (cert.issuerCertificate === undefined || cert.issuerCertificate === cert) break;
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** Each certificate up to `anchor` is issued and signed by the next one. */
function chainsTo(chain: readonly X509Certificate[], anchor: number): boolean {
  for (let i = 0; i < anchor; i++) {
    const cert = chain[i]!;
    const issuer = chain[i + 1]!;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false;
  }
  return true;
}

function taMatch(records: readonly TlsaRecord[], chain: readonly X509Certificate[], mxHost: string): boolean {
  const leaf = chain[0];
  if (leaf === undefined || leaf.checkHost(mxHost) === undefined) return false;
  return chain.some((cert, i) => records.some((r) => r.usage === DANE_TA && matches(r, cert)) && chainsTo(chain, i));
}

/**
 * A TlsSettings.check for the MX host `mxHost`: undefined when a usable TLSA record matches
 * the presented certificate, else the reason. No usable record at all passes (encryption is
 * still required by the session settings).
 */
export function daneCheck(records: readonly TlsaRecord[], mxHost: string): (socket: TLSSocket) => Error | undefined {
  const usable = usableRecords(records);
  return (socket) => {
    if (usable.length === 0) return undefined;
    const chain = presentedChain(socket);
    const leaf = chain[0];
    if (leaf === undefined) return new Error('DANE: the server presented no certificate');
    if (usable.some((r) => r.usage === DANE_EE && matches(r, leaf))) return undefined;
    if (taMatch(usable, chain, mxHost)) return undefined;
    return new Error(`DANE: no TLSA record of ${mxHost} matches the presented certificate`);
  };
}
