import type { QueuedMessage } from '../../../core/types.js';
import type { MessageFacts } from './message-state.js';

/**
 * The message log as CSV (RFC 4180): one row per recipient, CRLF line ends, every cell quoted.
 * A cell that starts with = + - @ (or a tab or CR) gets a leading ' so that a spreadsheet shows
 * it as text instead of running it as a formula (a subject or a bounce reply is the sender's
 * text, not ours).
 */
export const CSV_COLUMNS = [
  'message_id',
  'received_at',
  'message_state',
  'document_number',
  'subject',
  'from',
  'recipient',
  'role',
  'recipient_state',
  'state_at',
  'last_reply',
] as const;

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

function iso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

export function csvRows(msg: QueuedMessage, facts: MessageFacts): string[][] {
  return msg.recipients.map((r) => {
    const plain = facts.recipients[r.address];
    return [
      msg.id,
      iso(msg.receivedAt),
      facts.state,
      facts.documentNumber ?? '',
      msg.subject ?? '',
      msg.envelope.from,
      r.address,
      r.role ?? 'client',
      plain?.state ?? '',
      iso(plain?.history.at(-1)?.at),
      r.lastReply ?? '',
    ];
  });
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return [CSV_COLUMNS, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
