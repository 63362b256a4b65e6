import { authenticate, type Credentials } from './auth.js';
import { NO_CAPABILITIES, parseCapabilities, type Capabilities } from './capabilities.js';
import { clientError } from './client-errors.js';
import type { Dial, Endpoint, SmtpConnection } from './connection.js';

/** How a connection reaches a usable state: the per-hop settings, fixed for a pool. */
export interface SessionSettings {
  readonly endpoint: Endpoint;
  /** implicit = TLS from the first byte; starttls = required; opportunistic = when offered. */
  readonly security: 'implicit' | 'starttls' | 'opportunistic' | 'none';
  readonly heloName: string;
  /** What the server is to us, in errors ("smarthost" when unset; "mail host" for direct delivery). */
  readonly role?: string;
  readonly credentials?: Credentials;
  /** Bound on connect + greeting. */
  readonly connectTimeoutMs: number;
  /** Resolves and checks the host once per connection (target-guard.ts); the connection goes to the first address. */
  readonly resolveTarget?: (host: string) => Promise<readonly string[]>;
  /** Opens the TCP connection; node:net when unset. */
  readonly dial?: Dial;
  /**
   * Credentials go out only over TLS: a server without TLS gets no AUTH (a tenant's server, unless it allowed plain
   * text).
   */
  readonly authNeedsTls?: boolean;
}

/** Waits for the 220 greeting; connect and greeting together get `connectTimeoutMs`. */
async function greeting(conn: SmtpConnection, timeoutMs: number): Promise<void> {
  const timer = setTimeout(() => {
    conn.destroy(clientError('ETIMEDOUT', `no greeting within ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    const reply = await conn.read();
    // a 421 here is "busy, try later": the reply itself decides the outcome, as with nodemailer
    if (reply.code !== 220) throw clientError('EPROTOCOL', 'Invalid greeting', reply);
  } finally {
    clearTimeout(timer);
  }
}

/** EHLO, falling back to HELO (no extensions) when the server does not know EHLO. */
async function hello(conn: SmtpConnection, name: string): Promise<Capabilities> {
  conn.write(`EHLO ${name}\r\n`);
  const ehlo = await conn.read();
  if (ehlo.code === 250) return parseCapabilities(ehlo);
  if (ehlo.code < 500) throw clientError('EPROTOCOL', 'EHLO failed', ehlo);
  conn.write(`HELO ${name}\r\n`);
  const helo = await conn.read();
  if (helo.code !== 250) throw clientError('EPROTOCOL', 'HELO failed', helo);
  return NO_CAPABILITIES;
}

/**
 * STARTTLS per the configured security. Required: no offer or a refusal is ETLS (deferred).
 * Opportunistic: plain text goes on when not offered or refused; a failed handshake still
 * fails, as the socket is gone by then.
 */
async function secure(
  conn: SmtpConnection,
  s: SessionSettings,
  caps: Capabilities,
): Promise<{ caps: Capabilities; tls: boolean }> {
  const plain = { caps, tls: s.security === 'implicit' };
  const required = s.security === 'starttls';
  if (!required && s.security !== 'opportunistic') return plain;
  if (!caps.startTls) {
    if (required) throw clientError('ETLS', `${s.role ?? 'smarthost'} does not offer STARTTLS`);
    conn.plainReason = 'server offers no STARTTLS';
    return plain;
  }
  conn.write('STARTTLS\r\n');
  const reply = await conn.read();
  if (reply.code !== 220) {
    if (required) throw clientError('ETLS', 'STARTTLS refused', reply);
    conn.plainReason = `STARTTLS refused: ${reply.response}`;
    return plain;
  }
  await conn.upgrade(s.endpoint);
  return { caps: await hello(conn, s.heloName), tls: true };
}

/** The message EAUTH carries when the password was withheld (tenant-smtp-test.ts reads it). */
export const NO_TLS_FOR_AUTH = 'server offers no TLS; login not sent';

/** Greeting, EHLO, STARTTLS, EHLO again, AUTH: the connection is ready for mail after it. */
export async function handshake(conn: SmtpConnection, s: SessionSettings): Promise<Capabilities> {
  await greeting(conn, s.connectTimeoutMs);
  const { caps, tls } = await secure(conn, s, await hello(conn, s.heloName));
  if (s.credentials === undefined) return caps;
  // EAUTH defers like a refused login: the settings, not the message, need fixing
  if (s.authNeedsTls === true && !tls) throw clientError('EAUTH', NO_TLS_FOR_AUTH);
  await authenticate(conn, caps, s.credentials);
  return caps;
}
