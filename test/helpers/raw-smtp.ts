import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One SMTP reply: its code and the text of every line (without "250-" prefixes). */
export interface RawReply {
  readonly code: number;
  readonly lines: readonly string[];
  /** `code text` of the last line, e.g. "250 2.0.0 Ok: queued as 01J…". */
  readonly last: string;
}

/**
 * A byte-exact SMTP client for tests: writes exactly what it is given (bare LF, lone CR,
 * pipelined commands) and parses replies. Every wait is bounded by `timeoutMs`.
 */
export class RawSmtp {
  private buffer = '';
  /** Lines of a multi-line reply whose last line has not arrived yet. */
  private pendingLines: string[] = [];
  private readonly replies: RawReply[] = [];
  private readonly waiters: Array<() => void> = [];
  private ended = false;
  /** Resolves when the server closes the connection (or it errors). */
  readonly closed: Promise<void>;

  private readonly onChunk = (chunk: Buffer): void => this.onData(chunk);

  private constructor(
    private socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', this.onChunk);
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        this.ended = true;
        resolve();
        this.wake();
      };
      socket.once('close', done);
      socket.once('end', done);
      socket.on('error', () => undefined);
    });
  }

  /**
   * Connects and waits for the greeting; `tls` is implicit TLS (not STARTTLS). `localAddress`
   * binds the client end to another loopback address (127.0.0.2 …) to act as a second client.
   */
  static async open(
    port: number,
    opts: { tls?: boolean; timeoutMs?: number; localAddress?: string } = {},
  ): Promise<{ client: RawSmtp; greeting: RawReply }> {
    const local = opts.localAddress === undefined ? {} : { localAddress: opts.localAddress };
    const socket = opts.tls
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...local })
      : netConnect({ host: '127.0.0.1', port, ...local });
    const client = new RawSmtp(socket, opts.timeoutMs ?? 5_000);
    const greeting = await client.reply();
    return { client, greeting };
  }

  /** STARTTLS (must be answered 220), then the TLS handshake; later commands go over TLS. */
  async startTls(): Promise<void> {
    await this.expect('STARTTLS', 220);
    this.socket.off('data', this.onChunk);
    const secure = tlsConnect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    secure.on('data', this.onChunk);
    secure.on('error', () => undefined);
    this.socket = secure;
  }

  /** Writes bytes as they are (no CRLF added). */
  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Writes `line` + CRLF and returns the next reply. */
  async command(line: string): Promise<RawReply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** The next reply from the server; rejects on timeout or when the connection closed first. */
  async reply(): Promise<RawReply> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const next = this.replies.shift();
      if (next) return next;
      if (this.ended) throw new Error('connection closed while waiting for a reply');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${this.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** EHLO, MAIL, RCPT…, DATA, body, "." — each step must succeed; returns the reply to the final dot. */
  async send(from: string, to: readonly string[], body: string | Buffer, helo = 'client.test'): Promise<RawReply> {
    await this.expect(`EHLO ${helo}`, 250);
    await this.expect(`MAIL FROM:<${from}>`, 250);
    for (const rcpt of to) await this.expect(`RCPT TO:<${rcpt}>`, 250);
    await this.expect('DATA', 354);
    this.write(body);
    this.write('\r\n.\r\n');
    return this.reply();
  }

  async expect(line: string, code: number): Promise<RawReply> {
    const r = await this.command(line);
    if (r.code !== code) throw new Error(`${line} -> ${r.last} (expected ${code})`);
    return r;
  }

  /** True when the server has closed (or closes within `ms`). */
  async closesWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('latin1');
    let at: number;
    while ((at = this.buffer.indexOf('\r\n')) !== -1) {
      const line = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      this.pendingLines.push(line.slice(4));
      if (line[3] !== '-') {
        this.replies.push({ code: Number(line.slice(0, 3)), lines: this.pendingLines, last: line });
        this.pendingLines = [];
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
