/**
 * Incremental parser for SMTP server replies (RFC 5321 §4.2): `250-...` continuation lines
 * then a `250 ...` last line. Chunks may split a line anywhere (even inside a UTF-8
 * character) or carry several replies at once (PIPELINING), so only whole lines are decoded.
 */

/**
 * One server reply, with the field names the client's errors use, so that a reply can be
 * passed as it is to `classify` and `describe` (classify-error.ts).
 */
export interface ServerReply {
  readonly responseCode: number;
  /** The reply as received, lines joined by `\n`: `250 2.0.0 Ok: queued as X`. */
  readonly response: string;
  /** The text of every line without its `250-`/`250 ` prefix (EHLO keywords). */
  readonly lines: readonly string[];
}

/** The server broke the protocol (garbage or an over-long line): the connection must go. */
export class ReplyProtocolError extends Error {
  readonly code = 'EPROTOCOL';

  constructor(message: string) {
    super(message);
    this.name = 'ReplyProtocolError';
  }
}

/** RFC 5321 allows 512 octets per reply line; real servers stay well under this bound. */
export const MAX_REPLY_LINE = 4096;
/** A long EHLO reply has 20 lines; an endless multi-line reply must not grow without bound. */
export const MAX_REPLY_LINES = 256;

const LF = 0x0a;
const REPLY_LINE = /^([2-5]\d\d)(?:([ -])(.*))?$/s;

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

  /** Feeds one chunk; calls `onReply` for every reply it completes. Throws ReplyProtocolError. */
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
      if (end - start > this.maxLine) throw new ReplyProtocolError(`reply line longer than ${this.maxLine} bytes`);
      this.line(data.toString('utf8', start, end));
      start = lf + 1;
      lf = data.indexOf(LF, start);
    }
    if (data.length - start > this.maxLine) throw new ReplyProtocolError(`reply line longer than ${this.maxLine} bytes`);
    if (start < data.length) this.partial = data.subarray(start);
  }

  private line(line: string): void {
    const match = REPLY_LINE.exec(line);
    if (!match) throw new ReplyProtocolError(`invalid reply line ${preview(line)}`);
    this.raw.push(line);
    this.texts.push(match[3] ?? '');
    if (match[2] === '-') {
      if (this.raw.length >= MAX_REPLY_LINES) throw new ReplyProtocolError(`reply longer than ${MAX_REPLY_LINES} lines`);
      return;
    }
    const reply: ServerReply = {
      responseCode: Number(match[1]),
      response: this.raw.length === 1 ? line : this.raw.join('\n'),
      lines: this.texts,
    };
    this.raw = [];
    this.texts = [];
    this.onReply(reply);
  }
}
