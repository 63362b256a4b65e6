import { hostname } from 'node:os';
import type { SmarthostConfig } from '../../config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { DeliveryResult, Envelope, Transport } from '../../core/types.js';
import type { Credentials } from './client/auth.js';
import type { SessionSettings } from './client/handshake.js';
import { SmtpPool } from './client/pool.js';
import { resultsFromAnswers } from './smtp-results.js';

export interface SmarthostOptions {
  readonly logger: Logger;
  readonly connectTimeoutMs: number;
  /** Bound on one message's whole SMTP conversation, also while it waits for a pooled connection. */
  readonly sendTimeoutMs: number;
  /** Transport name for logs and `Transport.name`; defaults to `smarthost:host:port`. */
  readonly name?: string;
  /** Extra CAs to trust for this hop (the contents of `caFile`). */
  readonly tlsCa?: Buffer[];
  /** Our name in EHLO; the OS host name when unset (or `[127.0.0.1]` when that has no dot). */
  readonly heloName?: string;
  /** Checks the host before each new connection and pins it to the address checked (tenant servers only). */
  readonly resolveTarget?: SessionSettings['resolveTarget'];
  /** Withholds the credentials from a server without TLS (tenant servers, unless the tenant allowed it). */
  readonly authNeedsTls?: boolean;
  /** Logs in as `cfg.user` by XOAUTH2 with this OAuth 2.0 access token instead of the password. */
  readonly accessToken?: string;
}

/** Connections are recycled after this many messages: long enough that reuse pays off. */
const MESSAGES_PER_CONNECTION = 10_000;
/** Close idle pooled connections before a typical server does (smtp-server: 60 s), so a reused one is rarely stale. */
const IDLE_TIMEOUT_MS = 30_000;

/** The machine's name when it looks like a domain, else an address literal (as nodemailer did). */
function defaultHeloName(): string {
  const name = hostname();
  return name.includes('.') ? name : '[127.0.0.1]';
}

function credentials(user: string, pass: string | undefined, accessToken: string | undefined): Credentials {
  return accessToken !== undefined ? { user, accessToken } : { user, pass: pass ?? '' };
}

function sessionSettings(cfg: SmarthostConfig, opts: SmarthostOptions): SessionSettings {
  return {
    endpoint: {
      host: cfg.host,
      port: cfg.port,
      tls: { rejectUnauthorized: cfg.rejectUnauthorized, ...(opts.tlsCa?.length ? { ca: opts.tlsCa } : {}) },
    },
    security: cfg.tls,
    heloName: opts.heloName || defaultHeloName(),
    ...(cfg.user !== undefined ? { credentials: credentials(cfg.user, cfg.pass, opts.accessToken) } : {}),
    connectTimeoutMs: opts.connectTimeoutMs,
    ...(opts.resolveTarget ? { resolveTarget: opts.resolveTarget } : {}),
    ...(opts.authNeedsTls ? { authNeedsTls: true } : {}),
  };
}

/**
 * Relays through one smarthost over a pool of pipelining SMTP connections (smtp-client/):
 * pooling and PIPELINING are what make hundreds of messages per second possible. Remote
 * refusals and network failures come back as per-recipient results; `send` never rejects.
 */
export function createSmarthostTransport(cfg: SmarthostConfig, opts: SmarthostOptions): Transport {
  const nextHop = `${cfg.host}:${cfg.port}`;
  const pool = new SmtpPool({
    session: sessionSettings(cfg, opts),
    maxConnections: cfg.maxConnections,
    sendTimeoutMs: opts.sendTimeoutMs,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    maxMessagesPerConnection: MESSAGES_PER_CONNECTION,
    logger: opts.logger,
  });

  async function send(envelope: Envelope, raw: Buffer): Promise<DeliveryResult> {
    const answers = await pool.send(envelope, raw);
    return { recipients: resultsFromAnswers(envelope.to, answers, nextHop) };
  }

  return {
    name: opts.name ?? `smarthost:${nextHop}`,
    send: (envelope, raw) => send(envelope, raw),
    close: () => pool.close(),
  };
}
