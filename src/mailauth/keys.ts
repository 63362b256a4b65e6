import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { GatewayError } from '../core/gateway-error.js';

export type DkimAlgorithm = 'rsa' | 'ed25519';

export interface DkimKey {
  readonly algorithm: DkimAlgorithm;
  /** PKCS#8 PEM. Secret: store encrypted, never log. */
  readonly privateKeyPem: string;
  /** The `p=` value of the DNS record (base64, no whitespace). */
  readonly publicKeyDnsValue: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * RSA 2048 (what every receiver verifies) or Ed25519 (RFC 8463, published and used next to
 * an RSA key). Async: RSA key generation takes ~100 ms and must not block the event loop.
 */
export async function generateDkimKey(algorithm: DkimAlgorithm): Promise<DkimKey> {
  const pair =
    algorithm === 'rsa'
      ? await generateKeyPairAsync('rsa', { modulusLength: 2048 })
      : await generateKeyPairAsync('ed25519');
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { algorithm, privateKeyPem, publicKeyDnsValue: dnsValueOf(pair.publicKey, algorithm) };
}

/** Recomputes the algorithm and `p=` value from a stored private key (for records and checks). */
export function publicKeyFromPrivate(privateKeyPem: string): { algorithm: DkimAlgorithm; publicKeyDnsValue: string } {
  const key = parsePrivateKey(privateKeyPem);
  const algorithm = algorithmOf(key);
  return { algorithm, publicKeyDnsValue: dnsValueOf(createPublicKey(key), algorithm) };
}

/** Parses a PEM private key; throws E_DKIM_KEY without echoing the key. */
export function parsePrivateKey(privateKeyPem: string): KeyObject {
  try {
    return createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new GatewayError('E_DKIM_KEY', 'DKIM private key cannot be parsed', { cause: err });
  }
}

/**
 * A `parsePrivateKey` that remembers the last `max` keys: parsing an RSA PEM costs about as
 * much as hashing a 100 KB body, and a signing worker sees the same few keys all day.
 */
export function createKeyParser(max = 64): (privateKeyPem: string) => KeyObject {
  const cache = new Map<string, KeyObject>();
  return (privateKeyPem) => {
    const hit = cache.get(privateKeyPem);
    if (hit !== undefined) return hit;
    const key = parsePrivateKey(privateKeyPem);
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(privateKeyPem, key);
    return key;
  };
}

export function algorithmOf(key: KeyObject): DkimAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' || type === 'ed25519') return type;
  throw new GatewayError('E_DKIM_KEY', `unsupported DKIM key type ${String(type)} (rsa or ed25519 only)`);
}

/**
 * RSA: base64 of the SubjectPublicKeyInfo DER (RFC 6376 3.6.1). Ed25519: base64 of the raw
 * 32-byte key, not of an SPKI (RFC 8463 4.2); mailauth expects the same.
 */
function dnsValueOf(publicKey: KeyObject, algorithm: DkimAlgorithm): string {
  if (algorithm === 'rsa') return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new GatewayError('E_DKIM_KEY', 'ed25519 public key has no x coordinate');
  return Buffer.from(x, 'base64url').toString('base64');
}

/** How many same-month selectors `selectorFor` tries before giving up (a bound, not a limit anyone meets). */
const MAX_SELECTOR_TRIES = 99;

/**
 * Selector scheme: `pb` + year + month (UTC) of key creation, e.g. `pb202611`; Ed25519 keys
 * get an `e` suffix (`pb202611e`) so both keys of one generation can be published side by
 * side. A second generation in the same month (rotation) adds `-2`, `-3`... before the
 * suffix (`pb202611-2`, `pb202611-2e`). The date tells an admin at a glance how old a key is.
 * `taken` lists selectors already used for the domain.
 */
export function selectorFor(date: Date, algorithm: DkimAlgorithm, taken: Iterable<string> = []): string {
  const used = new Set([...taken].map((s) => s.toLowerCase()));
  const base = `pb${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
  const suffix = algorithm === 'ed25519' ? 'e' : '';
  for (let n = 1; n <= MAX_SELECTOR_TRIES; n++) {
    const candidate = `${base}${n === 1 ? '' : `-${n}`}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
  throw new GatewayError('E_DKIM_KEY', `no free selector left for ${base}`);
}
