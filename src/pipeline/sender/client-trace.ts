import { fieldName, type HeaderedMessage } from '../../mime/index.js';

/**
 * Our Received: line of the client hop, as src/receive/smtp/trace-headers.ts writes it first in
 * the stored message: `Received: from <HELO> (<reverse name or [IP]>)` CRLF TAB `by <us> (Postbode) with …`.
 */
const OUR_CLIENT_HOP = /^Received: from [^\r\n]*\r\n\tby [^\r\n]* \(Postbode\) with /;

/**
 * The client hop without what it says about the legacy machine (its HELO name, reverse name
 * and address, often an office PC's name and private IP): `Received: by <us> (Postbode) with
 * ESMTPSA id <queue id>…; <date>` stays, like Postfix's Received: for mail submitted on the
 * machine itself, so the hop still counts against mail loops downstream and the queue id still
 * finds the message in the log. Only our own line, the topmost Received:, is changed: what the
 * client wrote below it is its own. The stored message keeps the full line (message log).
 */
export function withoutClientHop(message: HeaderedMessage): HeaderedMessage {
  const at = message.fields.findIndex((f) => fieldName(f) === 'received');
  const field = at === -1 ? undefined : message.fields[at];
  if (field === undefined || !OUR_CLIENT_HOP.test(field)) return message;
  const fields = [...message.fields];
  fields[at] = `Received: ${field.slice(field.indexOf('\r\n\tby ') + 3)}`;
  return { ...message, fields };
}
