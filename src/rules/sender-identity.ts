import { formatMailbox } from './sender-address.js';
import { fieldValue, findFields, setField, withoutFields, type HeaderedMessage } from './sender-headers.js';

/**
 * The sender stage: who the message says it is from. Header edits only (no MIME parse);
 * fields not named here go out byte for byte.
 */
export interface SenderIdentity {
  /** New From mailbox; undefined keeps the legacy From as it is (own SMTP server without an own address). */
  readonly from?: { readonly name?: string; readonly address: string };
  /** The tenant's "send replies to" address. */
  readonly replyTo?: string;
  readonly replyToWins: 'tenant' | 'legacy';
  /**
   * Reply-To when neither the tenant nor the legacy message gives one (the legacy From when
   * From was replaced): replies then reach the tenant rather than the forwarding address.
   */
  readonly fallbackReplyTo?: string;
  /** Put the legacy From in X-Postbode-Original-From when From is replaced. */
  readonly keepOriginalFrom: boolean;
}

export const ORIGINAL_FROM_HEADER = 'X-Postbode-Original-From';

/**
 * Sender: is not added. RFC 5322 3.6.2: with one author mailbox, and author and transmitter
 * the same, Sender SHOULD NOT be used; our From already is the mailbox that sends (the
 * forwarding address, or the tenant's verified address). A legacy Sender naming an
 * unverified address is removed with the From it belonged to, so receivers do not show
 * "on behalf of" someone we never checked.
 */
export function applySenderIdentity(message: HeaderedMessage, identity: SenderIdentity): HeaderedMessage {
  let out = message;
  const legacyFrom = findFields(message, 'from')[0];
  if (identity.from) {
    out = withoutFields(out, ['sender', ORIGINAL_FROM_HEADER]);
    out = setField(out, 'From', formatMailbox(identity.from.name, identity.from.address));
    if (identity.keepOriginalFrom && legacyFrom !== undefined) {
      out = { ...out, fields: [...out.fields, `${ORIGINAL_FROM_HEADER}: ${fieldValue(legacyFrom)}`] };
    }
  }
  return applyReplyTo(out, identity);
}

function applyReplyTo(message: HeaderedMessage, identity: SenderIdentity): HeaderedMessage {
  const legacyReplyTo = findFields(message, 'reply-to').length > 0;
  if (legacyReplyTo && (identity.replyToWins === 'legacy' || identity.replyTo === undefined)) return message;
  const replyTo = identity.replyTo ?? identity.fallbackReplyTo;
  return replyTo === undefined ? message : setField(message, 'Reply-To', `<${replyTo}>`);
}
