import { GatewayError } from '../../../core/gateway-error.js';
import type { SmtpReply } from '../../../core/smtp-reply.js';

/**
 * Incremental parser for SMTP server replies (RFC 5321 §4.2): `250-...` continuation lines
 * then a `250 ...` last line. Chunks may split a line anywhere (even inside a UTF-8
 * character) or carry several replies at once (PIPELINING), so only whole lines are decoded.
 */

/**
 * One server reply as a typed SmtpReply (code, enhanced status, text), with the reply as
 * received for the queue's history and the lines for EHLO keywords.
 */
export interface ServerReply extends SmtpReply {
  /** The reply as received, lines joined by `\n`: `250 2.0.0 Ok: queued as X`. */
  readonly response: string;
  /** The text of every line without its `250-`/`250 ` prefix (EHLO keywords). */
  readonly lines: readonly string[];
}

/** The server broke the protocol (garbage or an over-long line): the connection must go. */
function protocolError(message: string): GatewayError {
  return new GatewayError('EPROTOCOL', message);
}

/** RFC 5321 allows 512 octets per reply line; real servers stay well under this bound. */
export const MAX_REPLY_LINE = 4096;
/** A long EHLO reply has 20 lines; an endless multi-line reply must not grow without bound. */
export const MAX_REPLY_LINES = 256;

const LF = 0x0a;
const REPLY_LINE = /^([2-5]\d\d)(?:([ -])(.*))?$/s;
/** RFC 3463 status at the start of a reply's text: `5.1.1 No such user`. */
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?: +|$)/;

/**
 * The enhanced status of the first line ('' when the server gave none) and the text without it, lines joined by a
 * space.
 */
function typedText(texts: readonly string[]): Pick<SmtpReply, 'enhanced' | 'text'> {
  const enhanced = ENHANCED.exec(texts[0] ?? '')?.[1] ?? '';
  if (enhanced === '') return { enhanced, text: texts.join(' ') };
  const strip = (line: string): string => (line.startsWith(enhanced) ? line.slice(enhanced.length).trimStart() : line);
  return { enhanced, text: texts.map(strip).join(' ') };
}

function preview(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line);
}

export class ReplyParser {
  /** Bytes of a line whose LF has not arrived yet. */
  private partial: Buffer | undefined;
  /** Raw lines of a multi-line reply whose last line has not arrived yet. */
  private raw: string[] = [];
  private texts: string[] = [];

  constructor(
    private readonly onReply: (reply: ServerReply) => void,
    private readonly maxLine = MAX_REPLY_LINE,
  ) {}

  /** True when bytes of an unfinished reply are buffered (STARTTLS must start clean). */
  get pending(): boolean {
    return this.partial !== undefined || this.raw.length > 0;
  }

  /** Feeds one chunk; calls `onReply` for every reply it completes. Throws a GatewayError EPROTOCOL. */
  push(chunk: Buffer): void {
    let data = chunk;
    if (this.partial !== undefined) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let start = 0;
    let lf = data.indexOf(LF, start);
    while (lf >= 0) {
      const end = lf > start && data[lf - 1] === 0x0d ? lf - 1 : lf;
      if (end - start > this.maxLine) throw protocolError(`reply line longer than ${this.maxLine} bytes`);
      this.line(data.toString('utf8', start, end));
      start = lf + 1;
      lf = data.indexOf(LF, start);
    }
    if (data.length - start > this.maxLine) throw protocolError(`reply line longer than ${this.maxLine} bytes`);
    if (start < data.length) this.partial = data.subarray(start);
  }

  private line(line: string): void {
    const match = REPLY_LINE.exec(line);
    if (!match) throw protocolError(`invalid reply line ${preview(line)}`);
    this.raw.push(line);
    this.texts.push(match[3] ?? '');
    if (match[2] === '-') {
      if (this.raw.length >= MAX_REPLY_LINES) throw protocolError(`reply longer than ${MAX_REPLY_LINES} lines`);
      return;
    }
    const reply: ServerReply = {
      code: Number(match[1]),
      ...typedText(this.texts),
      response: this.raw.length === 1 ? line : this.raw.join('\n'),
      lines: this.texts,
    };
    this.raw = [];
    this.texts = [];
    this.onReply(reply);
  }
}
