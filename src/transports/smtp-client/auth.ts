import type { Capabilities } from './capabilities.js';
import { clientError } from './client-errors.js';
import type { SmtpConnection } from './connection.js';
import type { ServerReply } from './reply-parser.js';

/** Our login at the smarthost. Never logged, never put into an error message. */
export interface Credentials {
  readonly user: string;
  readonly pass: string;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** EAUTH defers every recipient, even on a 5xx: wrong credentials are not the mail's fault. */
function refused(reply: ServerReply): Error {
  return clientError('EAUTH', 'Authentication failed', reply);
}

async function expect(conn: SmtpConnection, code: number): Promise<void> {
  const reply = await conn.read();
  if (reply.responseCode !== code) throw refused(reply);
}

async function authPlain(conn: SmtpConnection, creds: Credentials): Promise<void> {
  conn.write(`AUTH PLAIN ${b64(`\0${creds.user}\0${creds.pass}`)}\r\n`);
  await expect(conn, 235);
}

async function authLogin(conn: SmtpConnection, creds: Credentials): Promise<void> {
  conn.write('AUTH LOGIN\r\n');
  await expect(conn, 334);
  conn.write(`${b64(creds.user)}\r\n`);
  await expect(conn, 334);
  conn.write(`${b64(creds.pass)}\r\n`);
  await expect(conn, 235);
}

/**
 * AUTH PLAIN, or LOGIN when the server offers LOGIN but not PLAIN. A server that lists no
 * mechanism at all gets PLAIN, as nodemailer did.
 */
export function authenticate(conn: SmtpConnection, caps: Capabilities, creds: Credentials): Promise<void> {
  if (caps.auth.has('PLAIN') || caps.auth.size === 0) return authPlain(conn, creds);
  if (caps.auth.has('LOGIN')) return authLogin(conn, creds);
  const offered = [...caps.auth].join(' ');
  return Promise.reject(clientError('EAUTH', `smarthost offers neither AUTH PLAIN nor LOGIN (offers ${offered})`));
}
