import { domainToASCII } from 'node:url';
import type { Envelope } from '../../../core/types.js';
import type { Capabilities } from './capabilities.js';
import { clientError } from './client-errors.js';
import type { ServerReply } from './reply-parser.js';

/** The MAIL and RCPT command lines of one envelope, CRLF included. */
export interface EnvelopeCommands {
  readonly mail: string;
  readonly rcpts: readonly string[];
}

const NON_ASCII = /[^\x00-\x7f]/;
/** These would end the command or the address early: command injection into a pipeline. */
const UNSAFE = /[\r\n<>]/;

/**
 * Without SMTPUTF8 an internationalised domain can still travel as its A-label; a non-ASCII
 * local part cannot, and goes as it is for the server to refuse.
 */
function wireAddress(address: string, utf8: boolean): string {
  if (utf8 || !NON_ASCII.test(address)) return address;
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = domainToASCII(address.slice(at + 1));
  return domain === '' ? address : `${address.slice(0, at + 1)}${domain}`;
}

/**
 * EENVELOPE (bounced: sending again fails the same way) for an address that could break the
 * command line, checked before a connection is taken.
 */
export function envelopeError(envelope: Envelope): Error | undefined {
  if (UNSAFE.test(envelope.from)) return clientError('EENVELOPE', `Invalid sender ${JSON.stringify(envelope.from)}`);
  const bad = envelope.to.find((rcpt) => rcpt === '' || UNSAFE.test(rcpt));
  return bad === undefined ? undefined : clientError('EENVELOPE', `Invalid recipient ${JSON.stringify(bad)}`);
}

/** An address whose local part is not ASCII: no A-label can carry it without SMTPUTF8. */
function utf8LocalPart(address: string): boolean {
  const at = address.lastIndexOf('@');
  return NON_ASCII.test(at < 0 ? address : address.slice(0, at));
}

function localReply(code: number, enhanced: string, text: string): ServerReply {
  return { code, enhanced, text, response: `${code} ${enhanced} ${text}`, lines: [`${enhanced} ${text}`] };
}

/**
 * Our own bounce for a message that needs SMTPUTF8 (RFC 6531) toward a server that does not
 * offer it, decided before MAIL is sent: an address with a non-ASCII local part (5.6.7), or
 * UTF-8 in the header block (5.6.9, RFC 6532: the pipeline already wrote every header text it
 * could as RFC 2047 words, so what is left is an internationalised address in a header).
 * A non-ASCII domain alone is no reason: it travels as its A-label (the only safe downgrade).
 */
export function utf8Refusal(envelope: Envelope, caps: Capabilities, utf8Headers: boolean): ServerReply | undefined {
  if (caps.smtpUtf8) return undefined;
  if (utf8LocalPart(envelope.from) || envelope.to.some(utf8LocalPart))
    return localReply(550, '5.6.7', 'Non-ASCII address needs SMTPUTF8, which the receiving server does not offer');
  if (utf8Headers)
    return localReply(550, '5.6.9', 'UTF-8 header fields need SMTPUTF8, which the receiving server does not offer');
  return undefined;
}

/**
 * The commands of a checked envelope. The null sender '' is written `MAIL FROM:<>`. A body
 * with 8-bit bytes is announced (RFC 6152) when the server offers 8BITMIME; without the offer
 * it goes as it is, as most servers take it anyway (mail we sign is 7-bit by then: the
 * pipeline's wire stage). SMTPUTF8 is asked for when an address or the header block is UTF-8
 * and the server offers it; utf8Refusal decided already what happens when it does not.
 */
export function envelopeCommands(
  envelope: Envelope,
  caps: Capabilities,
  size: number,
  eightBit = false,
  utf8Headers = false,
): EnvelopeCommands {
  const international =
    utf8Headers || NON_ASCII.test(envelope.from) || envelope.to.some((rcpt) => NON_ASCII.test(rcpt));
  const utf8 = international && caps.smtpUtf8;
  const body = eightBit && caps.eightBitMime ? ' BODY=8BITMIME' : '';
  const params = `${body}${utf8 ? ' SMTPUTF8' : ''}${caps.size ? ` SIZE=${size}` : ''}`;
  return {
    mail: `MAIL FROM:<${wireAddress(envelope.from, utf8)}>${params}\r\n`,
    rcpts: envelope.to.map((rcpt) => `RCPT TO:<${wireAddress(rcpt, utf8)}>\r\n`),
  };
}
