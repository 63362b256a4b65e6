import { createTransport } from 'nodemailer';
import type { SmarthostConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryResult, Envelope, Transport } from '../core/types.js';
import { resultsFromError, resultsFromInfo } from './smtp-results.js';

export interface SmarthostOptions {
  readonly logger: Logger;
  readonly connectTimeoutMs: number;
  /** Bound on one message's whole SMTP conversation, also while it waits for a pooled connection. */
  readonly sendTimeoutMs: number;
  /** Transport name for logs and `Transport.name`; defaults to `smarthost:host:port`. */
  readonly name?: string;
  /** Extra CAs to trust for this hop (the contents of `caFile`). */
  readonly tlsCa?: Buffer[];
  /** Our name in EHLO; nodemailer uses the OS host name when unset. */
  readonly heloName?: string;
}

/** Connections are recycled after this many messages: long enough that reuse pays off. */
const MESSAGES_PER_CONNECTION = 10_000;
/** Close idle pooled connections before a typical server does (smtp-server: 60 s), so a reused one is rarely stale. */
const IDLE_TIMEOUT_MS = 30_000;
/**
 * nodemailer requeues a message only when its connection closed before a byte of it was
 * sent (a stale pooled connection, a close before the greeting), so a requeue never sends
 * twice. A few of them spare such messages a full retry delay.
 */
const MAX_REQUEUES = 3;

function poolOptions(cfg: SmarthostConfig, opts: SmarthostOptions) {
  return {
    pool: true as const,
    host: cfg.host,
    port: cfg.port,
    maxConnections: cfg.maxConnections,
    maxMessages: MESSAGES_PER_CONNECTION,
    maxRequeues: MAX_REQUEUES,
    idleTimeout: IDLE_TIMEOUT_MS,
    secure: cfg.tls === 'implicit',
    requireTLS: cfg.tls === 'starttls',
    ignoreTLS: cfg.tls === 'none',
    // 'opportunistic': STARTTLS when offered, plain text when the upgrade fails
    opportunisticTLS: cfg.tls === 'opportunistic',
    ...(cfg.user !== undefined ? { auth: { user: cfg.user, pass: cfg.pass ?? '' } } : {}),
    tls: { rejectUnauthorized: cfg.rejectUnauthorized, ...(opts.tlsCa?.length ? { ca: opts.tlsCa } : {}) },
    ...(opts.heloName ? { name: opts.heloName } : {}),
    connectionTimeout: opts.connectTimeoutMs,
    greetingTimeout: opts.connectTimeoutMs,
    socketTimeout: opts.sendTimeoutMs,
    logger: false,
  };
}

/** An error the scheduler reads like any other network failure (no reply code → deferred). */
function timeoutError(ms: number): Error {
  return Object.assign(new Error(`send timed out after ${ms} ms`), { code: 'ETIMEDOUT' });
}

/**
 * Relays through one smarthost over a pool of SMTP connections (pooling is what makes
 * hundreds of messages per second possible). Remote refusals and network failures come back
 * as per-recipient results; `send` never rejects.
 */
export function createSmarthostTransport(cfg: SmarthostConfig, opts: SmarthostOptions): Transport {
  const nextHop = `${cfg.host}:${cfg.port}`;
  const pool = createTransport(poolOptions(cfg, opts));

  async function send(envelope: Envelope, raw: Buffer): Promise<DeliveryResult> {
    // A send timer of our own, not only socketTimeout: a server that trickles bytes resets
    // the idle timer forever. Aborting makes the pool close that connection.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(timeoutError(opts.sendTimeoutMs)), opts.sendTimeoutMs);
    timer.unref();
    try {
      // from '' is written as MAIL FROM:<> (checked on the wire in the tests)
      const info = await pool.sendMail({ envelope: { from: envelope.from, to: [...envelope.to] }, raw, signal: abort.signal });
      return { recipients: resultsFromInfo(envelope.to, info, nextHop) };
    } catch (err) {
      const cause = abort.signal.aborted ? abort.signal.reason : err;
      opts.logger.debug({ err: cause, nextHop }, 'smarthost send failed');
      return { recipients: resultsFromError(envelope.to, cause, nextHop) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    name: opts.name ?? `smarthost:${nextHop}`,
    send: (envelope, raw) => send(envelope, raw),
    close: async () => { pool.close(); },
  };
}
