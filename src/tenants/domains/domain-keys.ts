import { generateDkimKey, selectorFor } from '../../mailauth/keys.js';
import type { SigningKey } from '../../mailauth/signer.js';
import { algorithmsOf, domainKeyContext, type DomainRecord, type KeySet, type StoredSelector } from './domain-types.js';

/** seal/open of the SecretBox, narrowed to what domain keys need. */
export interface KeySealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

/**
 * One generation of keys for a domain: RSA, plus Ed25519 for `rsa+ed25519`, with selectors
 * that carry the date and do not collide with `taken` (earlier generations).
 */
export async function newSelectors(
  sealer: KeySealer,
  owner: string,
  domain: string,
  keySet: KeySet,
  now: number,
  taken: readonly string[],
): Promise<StoredSelector[]> {
  const used = [...taken];
  const out: StoredSelector[] = [];
  for (const algorithm of algorithmsOf(keySet)) {
    const key = await generateDkimKey(algorithm);
    // The RSA selector decides the generation (pb202611-2); its Ed25519 partner gets the same base.
    const selector =
      algorithm === 'ed25519' && out[0] !== undefined
        ? `${out[0].selector}e`
        : selectorFor(new Date(now), algorithm, used);
    used.push(selector);
    out.push({
      selector,
      algorithm,
      publicKeyDnsValue: key.publicKeyDnsValue,
      createdAt: now,
      state: 'pending',
      privateKeySealed: sealer.seal(key.privateKeyPem, domainKeyContext(owner, domain, selector)),
    });
  }
  return out;
}

/** The keys mail from this domain is signed with now (its `active` selectors), opened in memory. */
export function activeSigningKeys(sealer: KeySealer, record: DomainRecord): SigningKey[] {
  return record.selectors.flatMap((s) =>
    s.state === 'active' && s.privateKeySealed !== undefined
      ? [
          {
            domain: record.domain,
            selector: s.selector,
            algorithm: s.algorithm,
            privateKeyPem: openCached(
              sealer,
              s.privateKeySealed,
              domainKeyContext(record.tenantId, record.domain, s.selector),
            ),
          },
        ]
      : [],
  );
}

/**
 * Signing asks for the keys of every message: opening the sealed PEM each time (an AES-GCM
 * decipher) is a per-message cost with the same answer. The same sealed value and context always
 * open to the same key, so the answer is kept per sealer; a rotated key is a new sealed value.
 * Failures are not kept (the next message tries again). Bounded: cleared when it is full.
 */
const opened = new WeakMap<KeySealer, Map<string, string>>();
const MAX_OPENED = 1024;

function openCached(sealer: KeySealer, sealed: string, context: string): string {
  let cache = opened.get(sealer);
  if (cache === undefined) {
    cache = new Map();
    opened.set(sealer, cache);
  }
  const key = `${context}\n${sealed}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const pem = sealer.open(sealed, context);
  if (cache.size >= MAX_OPENED) cache.clear();
  cache.set(key, pem);
  return pem;
}
