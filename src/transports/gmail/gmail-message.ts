import { type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import { findField, headerBlockEnd, parseHeaderFields } from '../../mime/index.js';
import { addressIn } from '../../mime/sender-address.js';

/**
 * What the Gmail API reads from the message itself. Unlike SMTP there is no envelope: Gmail
 * sends to the To, Cc and Bcc headers (and removes Bcc before delivery), and it silently
 * replaces a From that is not one of the account's verified send-as addresses.
 */
const HEADER_LIMIT = 256 * 1024;
const ADDRESS = /[^\s<>",;:()]+@[^\s<>",;:()]+/g;

function headerFields(raw: Buffer): ReturnType<typeof parseHeaderFields> {
  return parseHeaderFields(raw.subarray(0, headerBlockEnd(raw, HEADER_LIMIT)).toString('latin1'));
}

export function fromAddress(raw: Buffer): string | undefined {
  const from = findField(headerFields(raw), 'from');
  return from === undefined ? undefined : addressIn(from.value);
}

export function isSendAs(address: string, aliases: readonly string[]): boolean {
  const wanted = address.toLowerCase();
  return aliases.some((a) => a.toLowerCase() === wanted);
}

export function notSendAsReply(from: string | undefined, account: string): SmtpReply {
  return smtpReply(
    451,
    '4.7.0',
    `From ${from ?? '(none)'} is not a send-as alias of the linked Gmail account ${account}: ` +
      'add it as a verified send-as address in Gmail, or change the sender settings',
  );
}

/**
 * The message with a Bcc field naming the envelope recipients its To/Cc/Bcc headers do not
 * (the archive address, the legacy client's own Bcc recipients, which the pipeline removed
 * from the headers). Gmail takes its recipients from the headers and strips Bcc on sending.
 */
export function withEnvelopeBcc(raw: Buffer, recipients: readonly string[]): Buffer {
  const named = new Set(
    headerFields(raw)
      .filter((f) => f.name === 'to' || f.name === 'cc' || f.name === 'bcc')
      .flatMap((f) => f.value.match(ADDRESS) ?? [])
      .map((a) => a.toLowerCase()),
  );
  const missing = recipients.filter((r) => !named.has(r.toLowerCase()));
  if (missing.length === 0) return raw;
  return Buffer.concat([Buffer.from(`Bcc: ${missing.join(',\r\n ')}\r\n`, 'utf8'), raw]);
}
