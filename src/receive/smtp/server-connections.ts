import type { SMTPServer } from 'smtp-server';
import type { SmtpReply } from '../../core/smtp-reply.js';

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

/** One command line as a command filter sees it. */
export interface CommandView {
  /** Upper-cased command word; '' for the continuation lines of an AUTH exchange. */
  readonly name: string;
  readonly secure: boolean;
  readonly authenticated: boolean;
  /** MAIL accepted and not yet reset. */
  readonly inTransaction: boolean;
}

/**
 * Decides about a command before smtp-server sees it: undefined lets it through; a reply
 * answers it instead (a 421 also closes). While the promise is pending nothing more is
 * read from the client, so a delay here is a real tarpit for pipelined commands too.
 */
export type CommandFilter = (command: CommandView) => SmtpReply | undefined | Promise<SmtpReply | undefined>;

/** What a session's command lines go through before smtp-server handles them. */
export interface CommandHooks {
  readonly filter: CommandFilter;
  /** Keeps AUTH out of the EHLO reply and out of smtp-server's command table while true. */
  readonly hideAuth: (secure: boolean) => boolean;
  /** A command has been answered (for DATA: the message too); the client owes us the next one. */
  readonly answered: () => void;
}

/**
 * Runs the hooks on every command line of the session (smtp-server has no hook for NOOP,
 * RSET, VRFY, HELP or for the time a line took); false when the session is already gone.
 */
export function hookCommands(server: SMTPServer, sessionId: string, hooks: CommandHooks): boolean {
  const connection = find(server, sessionId);
  if (!connection) return false;
  const original = connection._onCommand.bind(connection);
  // Two fixed lists, chosen per command (TLS can start mid-session), not a new array each time.
  const withAuth = [...(server.options.disabledCommands ?? [])];
  const withoutAuth = [...withAuth, 'AUTH'];
  connection._onCommand = (command: Buffer, callback?: () => void): void => {
    const next = (): void => {
      hooks.answered();
      callback?.();
    };
    connection.session.disabledCommands = hooks.hideAuth(connection.secure) ? withoutAuth : withAuth;
    const verdict = hooks.filter(viewOf(connection, command));
    if (verdict === undefined) return original(command, next);
    void Promise.resolve(verdict).then(
      (reply) => {
        if (reply === undefined) return original(command, next);
        connection.send(reply.code, `${reply.enhanced} ${reply.text}`);
        next();
      },
      () => original(command, next),
    );
  };
  return true;
}

function viewOf(connection: Connection, command: Buffer): CommandView {
  const name = connection._nextHandler
    ? ''
    : command.toString('latin1', 0, Math.min(command.length, 16)).split(' ')[0]!.trim().toUpperCase();
  return {
    name,
    secure: connection.secure,
    authenticated: Boolean(connection.session.user),
    inTransaction: connection.session.envelope.mailFrom !== false,
  };
}

/**
 * True while the session waits for us rather than for the client: a handler has not
 * answered yet, or a message is coming in (the transaction deadline covers DATA).
 */
export function isBusy(server: SMTPServer, sessionId: string): boolean {
  const connection = find(server, sessionId);
  if (!connection) return false;
  const parser = connection._parser;
  return connection._handlerPending || Boolean(connection._dataStream) || (parser !== false && parser._dataMode);
}
