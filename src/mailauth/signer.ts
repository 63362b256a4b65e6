/**
 * DKIM signing with relaxed/relaxed canonicalisation, one or two signatures (RSA, and
 * Ed25519 next to it) in one pass over the message. Sign once the content is final.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { findHeaderEnd, hasBareLf } from '../mime/index.js';
import { GatewayError } from '../core/gateway-error.js';
import { algorithmOf, parsePrivateKey, type DkimAlgorithm } from './keys.js';
import { loadMailauthInternals, type ParsedHeader, type ParsedHeaders } from './mailauth-internals.js';
import { relaxedCrlfBodyHash } from './relaxed-body-hash.js';

export interface SigningKey {
  /** d=: the domain whose DNS holds the key. */
  readonly domain: string;
  /** s= */
  readonly selector: string;
  /** Secret; never logged. */
  readonly privateKeyPem: string;
  readonly algorithm: DkimAlgorithm;
}

export interface SignOptions {
  /** Signature time (t=), ms since epoch; defaults to now. */
  readonly signedAt?: number;
  /** How PEM keys become KeyObjects; `createKeyParser()` caches them. */
  readonly parseKey?: (privateKeyPem: string) => KeyObject;
}

/** The headers we sign, in the order of the issue. */
export const SIGNED_HEADERS: readonly string[] = [
  'From',
  'To',
  'Cc',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
];

/** Listed once more than they occur, so a second one added later breaks the signature. */
export const OVERSIGNED_HEADERS: readonly string[] = ['From', 'Subject', 'Reply-To'];

const CANONICALIZATION = 'relaxed/relaxed';
const mailauth = loadMailauthInternals();

/**
 * Returns the message with the DKIM-Signature header(s) prepended, in the order of `keys`;
 * the original bytes follow unchanged. Throws GatewayError (E_DKIM_KEY / E_DKIM_SIGN) rather
 * than ever returning the message unsigned.
 */
export async function signMessage(
  raw: Buffer,
  keys: readonly SigningKey[],
  options: SignOptions = {},
): Promise<Buffer> {
  if (keys.length === 0) throw new GatewayError('E_DKIM_SIGN', 'no DKIM key to sign with');
  const parseKey = options.parseKey ?? parsePrivateKey;
  const privateKeys = keys.map((key) => checkedKey(key, parseKey(key.privateKeyPem)));
  const { headers, bodyHash } = await hashMessage(raw);
  if (!headers.parsed.some((h) => h.key === 'from'))
    throw new GatewayError('E_DKIM_SIGN', 'message has no From header');
  const lines = signingHeaderLines(headers.parsed, SIGNED_HEADERS, OVERSIGNED_HEADERS);
  const signTime = new Date(options.signedAt ?? Date.now());
  const signatures = keys.map((key, i) => signatureHeader(key, privateKeys[i] as KeyObject, lines, bodyHash, signTime));
  return Buffer.concat([Buffer.from(signatures.map((s) => `${s}\r\n`).join(''), 'latin1'), raw]);
}

function checkedKey(key: SigningKey, parsed: KeyObject): KeyObject {
  const actual = algorithmOf(parsed);
  if (actual !== key.algorithm) {
    throw new GatewayError(
      'E_DKIM_KEY',
      `DKIM key for ${key.selector}._domainkey.${key.domain} is ${actual}, not ${key.algorithm}`,
    );
  }
  return parsed;
}

/**
 * The header fields a signature covers, bottom-up as verifiers pick them (RFC 6376 5.4.2),
 * then each oversigned name once more: a verifier finds no unused instance for that extra
 * name, so it contributes nothing, and a header of that name added later will not verify.
 */
export function signingHeaderLines(
  parsed: readonly ParsedHeader[],
  fields: readonly string[],
  oversigned: readonly string[],
): { keys: string; headers: ParsedHeader[] } {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const headers = parsed.filter((h) => wanted.has(h.key)).reverse();
  return { keys: [...headers.map((h) => h.casedKey), ...oversigned].join(': '), headers };
}

/**
 * Header fields and relaxed body hash, matching mailauth's verifier: the headers by its code,
 * the body hash by relaxed-body-hash.ts (the same bytes, without a per-byte loop) where the body
 * ends in CRLF, else by mailauth's own hasher. A CRLF-only message (what inbound stores) is
 * split where its header block ends; anything with bare LF goes through mailauth's parser, which
 * hashes bare LF as CRLF (as the SMTP client will send it) at about twice the cost.
 */
export async function hashMessage(raw: Buffer): Promise<{ headers: ParsedHeaders; bodyHash: string }> {
  const bounds = findHeaderEnd(raw);
  if (!bounds || bounds.end === 0 || bounds.bodyStart === bounds.end || hasBareLf(raw)) return hashWithParser(raw);
  const headers = mailauth.parseHeaders(raw.subarray(0, bounds.bodyStart));
  const body = raw.subarray(bounds.bodyStart);
  const fast = relaxedCrlfBodyHash(body);
  if (fast !== undefined) return { headers, bodyHash: fast };
  const hasher = mailauth.dkimBody('relaxed', 'sha256', false);
  hasher.update(body);
  return { headers, bodyHash: hasher.digest('base64') };
}

export async function hashWithParser(raw: Buffer): Promise<{ headers: ParsedHeaders; bodyHash: string }> {
  const hasher = mailauth.dkimBody('relaxed', 'sha256', false);
  const parser = new mailauth.MessageParser();
  parser.nextChunk = async (chunk) => hasher.update(chunk);
  parser.end(raw);
  await finished(parser);
  if (parser.headers === false) throw new GatewayError('E_DKIM_SIGN', 'message has no header');
  return { headers: parser.headers, bodyHash: hasher.digest('base64') };
}

function signatureHeader(
  key: SigningKey,
  privateKey: KeyObject,
  lines: { keys: string; headers: ParsedHeader[] },
  bodyHash: string,
  signTime: Date,
): string {
  const algorithm = `${key.algorithm}-sha256`;
  try {
    const { canonicalizedHeader, dkimHeaderOpts } = mailauth.relaxedHeaders('DKIM', lines, {
      signingDomain: key.domain,
      selector: key.selector,
      algorithm,
      canonicalization: CANONICALIZATION,
      bodyHash,
      signTime,
    });
    // Ed25519-SHA256 signs the SHA-256 of the canonical header (RFC 8463 3); RSA hashes itself.
    const b =
      key.algorithm === 'rsa'
        ? sign('sha256', canonicalizedHeader, privateKey)
        : sign(null, createHash('sha256').update(canonicalizedHeader).digest(), privateKey);
    return mailauth.formatSignatureHeaderLine('DKIM', { ...dkimHeaderOpts, b: b.toString('base64') }, true);
  } catch (err) {
    throw new GatewayError('E_DKIM_SIGN', `signing with ${key.selector}._domainkey.${key.domain} failed`, {
      cause: err,
    });
  }
}
