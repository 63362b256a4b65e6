import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Envelope } from '../core/types.js';

/** One unpooled SMTP session to one address: connect, send one envelope, quit. */
export interface SessionOptions {
  readonly address: string;
  readonly port: number;
  /** The MX host name, for SNI. */
  readonly servername?: string;
  readonly heloName: string;
  readonly connectTimeoutMs: number;
  readonly sendTimeoutMs: number;
}

export type SendInfo = SMTPConnection.SentMessageInfo;

/**
 * `unreachable`: no reply from the host (refused, timed out, closed before the greeting), so
 * the next MX may be tried. `failed`: the host answered or the session broke after it had
 * started, so this attempt is over (trying elsewhere could deliver twice).
 */
export type SessionOutcome =
  | { readonly kind: 'sent'; readonly info: SendInfo }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'unreachable'; readonly error: unknown };

function hasReply(err: unknown): boolean {
  return typeof (err as { responseCode?: unknown } | null)?.responseCode === 'number';
}

function connectionOptions(opts: SessionOptions): SMTPConnection.Options {
  return {
    host: opts.address,
    port: opts.port,
    name: opts.heloName,
    connectionTimeout: opts.connectTimeoutMs,
    greetingTimeout: opts.connectTimeoutMs,
    socketTimeout: opts.sendTimeoutMs,
    // opportunistic STARTTLS without certificate checks, as MTAs do between each other
    opportunisticTLS: true,
    tls: { rejectUnauthorized: false, ...(opts.servername ? { servername: opts.servername } : {}) },
    socketCloseTimeout: 1_000,
    logger: false,
  };
}

/** Runs one session; never rejects. The whole session is bounded by `sendTimeoutMs`. */
export function sendOnce(opts: SessionOptions, envelope: Envelope, raw: Buffer): Promise<SessionOutcome> {
  return new Promise((resolve) => {
    const conn = new SMTPConnection(connectionOptions(opts));
    let connected = false;
    let done = false;
    const finish = (outcome: SessionOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (outcome.kind === 'sent') conn.quit();
      else conn.close();
      resolve(outcome);
    };
    const broke = (error: unknown): void => {
      finish(connected || hasReply(error) ? { kind: 'failed', error } : { kind: 'unreachable', error });
    };
    const timer = setTimeout(() => {
      broke(Object.assign(new Error(`session timed out after ${opts.sendTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, opts.sendTimeoutMs);
    timer.unref();
    conn.on('error', broke); // stays attached: a late socket error must not go unhandled
    // callbacks carry the precise error, so 'end' only settles what nothing else did
    conn.once('end', () => setImmediate(() => broke(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }))));
    conn.connect((err) => {
      if (err) return broke(err);
      connected = true;
      const to = [...envelope.to];
      conn.send({ from: envelope.from, to, size: raw.length }, raw, (sendErr, info) => {
        if (sendErr) broke(sendErr);
        else if (info) finish({ kind: 'sent', info });
      });
    });
  });
}
