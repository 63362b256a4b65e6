import type { ServerReply } from './reply-parser.js';

/** What the server announced in its EHLO reply, as far as our client uses it. */
export interface Capabilities {
  readonly pipelining: boolean;
  readonly startTls: boolean;
  readonly smtpUtf8: boolean;
  /** 8BITMIME: a body with 8-bit bytes is announced as BODY=8BITMIME. */
  readonly eightBitMime: boolean;
  /** SIZE was announced: MAIL FROM then carries the message size. */
  readonly size: boolean;
  /** SIZE limit in bytes; 0 when not announced or announced without a number. */
  readonly maxSize: number;
  /** AUTH mechanisms, upper case. */
  readonly auth: ReadonlySet<string>;
}

/** After HELO (no extensions) or before EHLO. */
export const NO_CAPABILITIES: Capabilities = Object.freeze({
  pipelining: false,
  startTls: false,
  smtpUtf8: false,
  eightBitMime: false,
  size: false,
  maxSize: 0,
  auth: new Set<string>(),
});

/** Reads the keyword lines of an EHLO reply; the first line is the server's greeting name. */
export function parseCapabilities(reply: ServerReply): Capabilities {
  let pipelining = false;
  let startTls = false;
  let smtpUtf8 = false;
  let eightBitMime = false;
  let size = false;
  let maxSize = 0;
  const auth = new Set<string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword = '', ...params] = line
      .trim()
      .toUpperCase()
      .split(/[\s=]+/);
    if (keyword === 'PIPELINING') pipelining = true;
    else if (keyword === 'STARTTLS') startTls = true;
    else if (keyword === 'SMTPUTF8') smtpUtf8 = true;
    else if (keyword === '8BITMIME') eightBitMime = true;
    else if (keyword === 'SIZE') {
      size = true;
      maxSize = Number(params[0]) > 0 ? Number(params[0]) : 0;
    }
    // "AUTH=PLAIN LOGIN" is the pre-RFC form some servers still send next to "AUTH PLAIN LOGIN"
    else if (keyword === 'AUTH') for (const mech of params) auth.add(mech);
  }
  return { pipelining, startTls, smtpUtf8, eightBitMime, size, maxSize, auth };
}
