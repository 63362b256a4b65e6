import { fieldValue, findFields, withoutFields, type HeaderedMessage } from '../../mime/index.js';

/**
 * Signatures the client's message carried (a package that signs, or mail it relays) stay only
 * while they can still verify: when the message that leaves differs from the client's in its
 * body or in a header field a DKIM-Signature lists in h=, every DKIM-Signature and ARC-* field
 * of the client goes. A failing signature counts as none (RFC 6376 6.1) but shows as a DKIM
 * failure of that domain in every DMARC report, and an ARC set whose message signature fails
 * marks the chain broken for all later hops; ours (added at the sign stage) is the one that
 * counts. Unchanged messages keep them byte for byte.
 */
export const SIGNATURE_FIELDS: readonly string[] = [
  'dkim-signature',
  'arc-seal',
  'arc-message-signature',
  'arc-authentication-results',
];

/**
 * `out` without the client's signatures when they went stale. `bodyWillChange` (asked last, only
 * when all else is unchanged): a later stage edits the body (the tracking pixel).
 */
export function withoutStaleSignatures(
  original: HeaderedMessage,
  out: HeaderedMessage,
  bodyWillChange: () => boolean,
): HeaderedMessage {
  if (!SIGNATURE_FIELDS.some((name) => findFields(out, name).length > 0)) return out;
  if (out.rest.equals(original.rest) && signedFieldsKept(original, out) && !bodyWillChange()) return out;
  return withoutFields(out, SIGNATURE_FIELDS);
}

/** Every field a client's DKIM-Signature or ARC-Message-Signature lists is still there with the same text. */
function signedFieldsKept(original: HeaderedMessage, out: HeaderedMessage): boolean {
  const signatures = [...findFields(original, 'dkim-signature'), ...findFields(original, 'arc-message-signature')];
  const names = new Set(signatures.flatMap(signedNames));
  for (const name of names) {
    const before = findFields(original, name);
    const after = findFields(out, name);
    if (before.length !== after.length || before.some((f, i) => f !== after[i])) return false;
  }
  return true;
}

function signedNames(signature: string): string[] {
  const h = /(?:^|;)\s*h\s*=([^;]*)/i.exec(fieldValue(signature))?.[1] ?? '';
  return h
    .split(':')
    .map((n) => n.replace(/\s+/g, '').toLowerCase())
    .filter((n) => n !== '');
}
