import type { Capabilities } from './capabilities.js';
import { clientError } from './client-errors.js';
import type { SmtpConnection } from './connection.js';
import type { ServerReply } from './reply-parser.js';

/**
 * Our login at the next hop: a password (AUTH PLAIN or LOGIN), or an OAuth 2.0 access token
 * (XOAUTH2, as Gmail and Microsoft 365 take it). Never logged, never put into an error message.
 */
export type Credentials =
  | { readonly user: string; readonly pass: string }
  | { readonly user: string; readonly accessToken: string };

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** EAUTH defers every recipient, even on a 5xx: wrong credentials are not the mail's fault. */
function refused(reply: ServerReply): Error {
  return clientError('EAUTH', 'Authentication failed', reply);
}

async function expect(conn: SmtpConnection, code: number): Promise<void> {
  const reply = await conn.read();
  if (reply.code !== code) throw refused(reply);
}

async function authPlain(conn: SmtpConnection, creds: { user: string; pass: string }): Promise<void> {
  conn.write(`AUTH PLAIN ${b64(`\0${creds.user}\0${creds.pass}`)}\r\n`);
  await expect(conn, 235);
}

async function authLogin(conn: SmtpConnection, creds: { user: string; pass: string }): Promise<void> {
  conn.write('AUTH LOGIN\r\n');
  await expect(conn, 334);
  conn.write(`${b64(creds.user)}\r\n`);
  await expect(conn, 334);
  conn.write(`${b64(creds.pass)}\r\n`);
  await expect(conn, 235);
}

/**
 * XOAUTH2 in one line. A refused token gets a 334 carrying the server's error as base64 JSON;
 * an empty line then ends the exchange with the final 5xx, which is what the error reports.
 */
async function authXoauth2(conn: SmtpConnection, creds: { user: string; accessToken: string }): Promise<void> {
  conn.write(`AUTH XOAUTH2 ${b64(`user=${creds.user}\x01auth=Bearer ${creds.accessToken}\x01\x01`)}\r\n`);
  const reply = await conn.read();
  if (reply.code === 235) return;
  if (reply.code !== 334) throw refused(reply);
  conn.write('\r\n');
  throw refused(await conn.read());
}

/**
 * XOAUTH2 for a token. For a password AUTH PLAIN, or LOGIN when the server offers LOGIN but
 * not PLAIN. A server that lists no mechanism at all gets PLAIN (or XOAUTH2), as nodemailer did.
 */
export function authenticate(conn: SmtpConnection, caps: Capabilities, creds: Credentials): Promise<void> {
  if ('accessToken' in creds) {
    if (caps.auth.has('XOAUTH2') || caps.auth.size === 0) return authXoauth2(conn, creds);
    return Promise.reject(clientError('EAUTH', `server offers no AUTH XOAUTH2 (offers ${[...caps.auth].join(' ')})`));
  }
  if (caps.auth.has('PLAIN') || caps.auth.size === 0) return authPlain(conn, creds);
  if (caps.auth.has('LOGIN')) return authLogin(conn, creds);
  const offered = [...caps.auth].join(' ');
  return Promise.reject(clientError('EAUTH', `smarthost offers neither AUTH PLAIN nor LOGIN (offers ${offered})`));
}
