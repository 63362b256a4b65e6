import type { QueuedMessage } from '../core/types.js';
import type { DsnRecipient, ParsedDsn } from './dsn-parse.js';

export interface ScopedDsn {
  /** The entries that may change the token's recipient: at most one. */
  readonly dsn: ParsedDsn;
  /** Entries that named another recipient of the message: never applied. */
  readonly ignored: number;
}

/**
 * A VERP token names one message and one recipient: a DSN sent to it may change that
 * recipient only. An entry naming it (Final- or Original-Recipient) wins; else an entry
 * naming an address the message was never sent to is read as that recipient rewritten at
 * the far end (an alias, a forward); entries naming other recipients of the message are
 * ignored, so a forged report cannot bounce or suppress anyone else.
 */
export function dsnForTokenRecipient(dsn: ParsedDsn, message: QueuedMessage, recipientIndex: number): ScopedDsn {
  const target = message.recipients[recipientIndex]?.address.toLowerCase();
  const ours = new Set(message.recipients.map((r) => r.address.toLowerCase()));
  const names = (r: DsnRecipient, address: string | undefined): boolean =>
    address !== undefined && (r.recipient.toLowerCase() === address || r.originalRecipient?.toLowerCase() === address);
  const named = dsn.recipients.find((r) => names(r, target));
  const foreign = (r: DsnRecipient): boolean => !ours.has(r.recipient.toLowerCase()) && (r.originalRecipient === undefined || !ours.has(r.originalRecipient.toLowerCase()));
  const chosen = target === undefined ? undefined : named ?? dsn.recipients.find(foreign);
  const ignored = dsn.recipients.filter((r) => r !== chosen && !foreign(r)).length;
  const recipients = chosen ? [{ ...chosen, recipient: message.recipients[recipientIndex]!.address }] : [];
  return { dsn: { ...dsn, recipients }, ignored };
}
