import type { SMTPServer } from 'smtp-server';
import type { SmtpReply } from '../core/smtp-reply.js';

/**
 * The one place that reaches into smtp-server's connection objects. smtp-server has no
 * option for a total transaction time or for closing sessions with our own reply on
 * shutdown, so we use what 3.21.6 has (see dist/esm/smtp-connection.js): `server.connections`
 * is a Set of SMTPConnection with `.session` (id, envelope), `.send(code, text)` and
 * `.close()`; `send` with a 421 also closes. If an upgrade changes these, only this file moves.
 */
type Connection = SMTPServer['connections'] extends Set<infer C> ? C : never;

function find(server: SMTPServer, sessionId: string): Connection | undefined {
  for (const connection of server.connections) {
    if (connection.session.id === sessionId) return connection;
  }
  return undefined;
}

/** Sends `reply` on the session's connection and closes it; false when it is already gone. */
export function closeSession(server: SMTPServer, sessionId: string, reply: SmtpReply): boolean {
  const connection = find(server, sessionId);
  if (!connection) return false;
  connection.send(reply.code, `${reply.enhanced} ${reply.text}`);
  connection.close();
  return true;
}

/** Ids of the sessions with an open connection. */
export function openSessionIds(server: SMTPServer): string[] {
  return [...server.connections].map((c) => c.session.id);
}

/**
 * True when the session is inside a mail transaction by smtp-server's own account (MAIL
 * accepted and not yet reset). Lets us tell a client that sent RSET from one mid-transaction.
 */
export function hasOpenTransaction(server: SMTPServer, sessionId: string): boolean {
  const connection = find(server, sessionId);
  return connection !== undefined && connection.session.envelope.mailFrom !== false;
}
