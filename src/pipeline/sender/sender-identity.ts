import { formatMailbox } from '../../mime/sender-address.js';
import { fieldValue, findFields, setField, withoutFields, type HeaderedMessage } from '../../mime/index.js';

/**
 * The sender stage: who the message says it is from. Header edits only (no MIME parse);
 * fields not named here go out byte for byte. What leaves in From, Sender and Reply-To is
 * only ever an address the tenant owns: the pipeline decides ownership (sender-guard.ts) and
 * says here which legacy fields may stay.
 */
export interface SenderIdentity {
  /**
   * New From mailbox; undefined keeps the legacy From (a gateway without a platform domain, own SMTP without a known
   * mailbox).
   */
  readonly from?: { readonly name?: string; readonly address: string };
  /** The tenant's "send replies to" address. */
  readonly replyTo?: string;
  readonly replyToWins: 'tenant' | 'legacy';
  /** Every address in the legacy Reply-To is the tenant's: only then may it leave. */
  readonly legacyReplyToOwned: boolean;
  /** Every address in the legacy Sender is the tenant's: only then may it leave (and only with the legacy From). */
  readonly legacySenderOwned: boolean;
  /** Put the legacy From in X-Postbode-Original-From when From is replaced: only when that From is the tenant's. */
  readonly keepOriginalFrom: boolean;
}

export const ORIGINAL_FROM_HEADER = 'X-Postbode-Original-From';

/**
 * Sender: is not added. RFC 5322 3.6.2: with one author mailbox, and author and transmitter
 * the same, Sender SHOULD NOT be used; our From already is the mailbox that sends. A legacy
 * Sender goes with a replaced From, and otherwise stays only when the tenant owns it, so
 * receivers never show "on behalf of" someone we did not check. An X-Postbode-Original-From
 * the client wrote never leaves: only the one we add.
 */
export function applySenderIdentity(message: HeaderedMessage, identity: SenderIdentity): HeaderedMessage {
  const legacyFrom = findFields(message, 'from')[0];
  let out = withoutFields(message, [ORIGINAL_FROM_HEADER]);
  if (identity.from) {
    out = withoutFields(out, ['sender']);
    out = setField(out, 'From', formatMailbox(identity.from.name, identity.from.address));
    if (identity.keepOriginalFrom && legacyFrom !== undefined) {
      out = { ...out, fields: [...out.fields, `${ORIGINAL_FROM_HEADER}: ${fieldValue(legacyFrom)}`] };
    }
  } else if (!identity.legacySenderOwned) {
    out = withoutFields(out, ['sender']);
  }
  return applyReplyTo(out, identity);
}

function applyReplyTo(message: HeaderedMessage, identity: SenderIdentity): HeaderedMessage {
  const legacy = findFields(message, 'reply-to').length > 0;
  const keepLegacy =
    legacy && identity.legacyReplyToOwned && (identity.replyToWins === 'legacy' || identity.replyTo === undefined);
  if (keepLegacy) return message;
  if (identity.replyTo !== undefined) return setField(message, 'Reply-To', `<${identity.replyTo}>`);
  return legacy ? withoutFields(message, ['reply-to']) : message;
}
