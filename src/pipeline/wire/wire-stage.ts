import { fieldName, joinMessage, splitMessage, type HeaderedMessage } from '../../mime/index.js';
import { wireEncode } from '../../mime/wire-encoding.js';
import { findHtmlPart } from '../tracking/html-part.js';
import type { Draft, Stage } from '../draft.js';
import type { PipelineDeps } from '../shared.js';
import { SIGNATURE_FIELDS, withoutStaleSignatures } from './stale-signatures.js';

/**
 * The wire stage: after the sender identity, before tracking and DKIM. The bytes become what
 * every hop carries unchanged, so the signature made after this stage survives the way:
 * - parts with a line over 998 octets are re-encoded (quoted-printable or base64), in every mode;
 * - in the modes we sign (forwarding, own address), parts with 8-bit bytes are re-encoded too:
 *   which hop lacks 8BITMIME is known only when connecting, after signing, so a signed message
 *   goes 7-bit (RFC 6376 5.3); the tenant's own server and Google get 8-bit as it is, announced
 *   with BODY=8BITMIME where offered;
 * - the client's own DKIM-Signature and ARC-* fields go when the message changed under them
 *   (stale-signatures.ts).
 * Tracking edits the re-encoded HTML part in its own encoding, so its copies stay safe too.
 * A 7-bit message with short lines and no signature of its own costs one scan and no copy.
 */
export const wireStage: Stage = async (draft, deps) => {
  const { raw } = draft;
  if (raw === undefined) throw new Error('wire stage before the identity stage');
  const encoded = wireEncode(raw, { sevenBit: signedByUs(draft, deps) });
  if (!carriesSignatures(draft.split)) return encoded === raw ? draft : { ...draft, raw: encoded };
  const out = splitMessage(encoded);
  const kept = withoutStaleSignatures(splitMessage(draft.body), out, () => pixelWillGoIn(draft, deps, encoded));
  return { ...draft, raw: kept === out ? encoded : joinMessage(kept) };
};

/** The modes the sign stage signs in (src/mailauth/sign-stage.ts via stages.ts signStage). */
function signedByUs(draft: Draft, deps: PipelineDeps): boolean {
  return deps.sign !== undefined && (draft.mode === 'forwarding' || draft.mode === 'own-address');
}

function carriesSignatures(message: HeaderedMessage): boolean {
  return message.fields.some((f) => SIGNATURE_FIELDS.includes(fieldName(f)));
}

/** The tracking stage will add its pixel: it runs and finds an HTML part to put it in. */
function pixelWillGoIn(draft: Draft, deps: PipelineDeps, raw: Buffer): boolean {
  return draft.tracking && deps.tracking !== undefined && findHtmlPart(raw) !== undefined;
}
