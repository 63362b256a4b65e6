import type { QueuedMessage } from '../core/types.js';
import type { DsnRecipient, ParsedDsn } from './dsn-parse.js';

export interface ScopedDsn {
  /** The entries that may change recipients named by the token. */
  readonly dsn: ParsedDsn;
  /** Entries that named another recipient of the message: never applied. */
  readonly ignored: number;
}

/**
 * A VERP token names one message and one recipient: a DSN sent to it may change that
 * recipient only, plus the archive recipients that rode in the same SMTP transaction (the
 * first client recipient's, see pipeline.ts verpDeliveries). An entry naming one of them
 * (Final- or Original-Recipient) is applied to it; with none, the first entry naming an
 * address the message was never sent to is read as the token's recipient rewritten at the
 * far end (an alias, a forward). Entries naming other recipients of the message are
 * ignored, so whoever holds one token cannot bounce or suppress anyone else.
 */
export function dsnForTokenRecipient(dsn: ParsedDsn, message: QueuedMessage, recipientIndex: number): ScopedDsn {
  const target = message.recipients[recipientIndex];
  if (!target) return { dsn: { ...dsn, recipients: [] }, ignored: dsn.recipients.length };
  const allowed = new Map(tokenRecipients(message, recipientIndex).map((a) => [a.toLowerCase(), a]));
  const ours = new Set(message.recipients.map((r) => r.address.toLowerCase()));
  const namesOf = (r: DsnRecipient): string[] =>
    [r.recipient, ...(r.originalRecipient ? [r.originalRecipient] : [])].map((a) => a.toLowerCase());
  const scoped: DsnRecipient[] = [];
  let ignored = 0;
  for (const r of dsn.recipients) {
    const match = namesOf(r).find((a) => allowed.has(a));
    if (match !== undefined) scoped.push({ ...r, recipient: allowed.get(match)! });
    else if (namesOf(r).some((a) => ours.has(a))) ignored++;
  }
  if (scoped.length === 0) {
    const foreign = dsn.recipients.find((r) => !namesOf(r).some((a) => ours.has(a)));
    if (foreign) scoped.push({ ...foreign, recipient: target.address });
  }
  return { dsn: { ...dsn, recipients: scoped }, ignored };
}

function tokenRecipients(message: QueuedMessage, index: number): string[] {
  const target = message.recipients[index]!;
  const firstClient = message.recipients.findIndex((r) => r.role !== 'archive');
  const riders =
    index === firstClient ? message.recipients.filter((r) => r.role === 'archive').map((r) => r.address) : [];
  return [target.address, ...riders];
}
