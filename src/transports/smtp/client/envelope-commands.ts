import { domainToASCII } from 'node:url';
import type { Envelope } from '../../../core/types.js';
import type { Capabilities } from './capabilities.js';
import { clientError } from './client-errors.js';

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

/**
 * The commands of a checked envelope. The null sender '' is written `MAIL FROM:<>`. A body
 * with 8-bit bytes is announced (RFC 6152) when the server offers 8BITMIME; without the offer
 * it goes as it is, as most servers take it anyway.
 */
export function envelopeCommands(
  envelope: Envelope,
  caps: Capabilities,
  size: number,
  eightBit = false,
): EnvelopeCommands {
  const international = NON_ASCII.test(envelope.from) || envelope.to.some((rcpt) => NON_ASCII.test(rcpt));
  const utf8 = international && caps.smtpUtf8;
  const body = eightBit && caps.eightBitMime ? ' BODY=8BITMIME' : '';
  const params = `${body}${utf8 ? ' SMTPUTF8' : ''}${caps.size ? ` SIZE=${size}` : ''}`;
  return {
    mail: `MAIL FROM:<${wireAddress(envelope.from, utf8)}>${params}\r\n`,
    rcpts: envelope.to.map((rcpt) => `RCPT TO:<${wireAddress(rcpt, utf8)}>\r\n`),
  };
}
