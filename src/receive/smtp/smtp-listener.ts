import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { Replies } from '../../core/smtp-reply.js';
import { verifyPassword } from '../../tenants/password.js';
import { AuthCache } from './auth-cache.js';
import { AuthThrottle } from './auth-throttle.js';
import { createAuthenticator } from './auth.js';
import { CommandGuard } from './command-guard.js';
import { ConnectionLimiter } from './connection-limits.js';
import type { InboundDeps } from './inbound-deps.js';
import { closeSession, hasOpenTransaction, openSessionIds } from './server-connections.js';
import { createHandlers } from './session-handlers.js';
import { TransactionTracker } from './transaction-timer.js';

export type { InboundDeps } from './inbound-deps.js';

export interface SmtpListener {
  /** Port 0 picks a free port; the port in use is returned. */
  listen(port: number, host: string): Promise<{ port: number }>;
  /** Stop accepting; let transactions in progress finish (bounded by `graceMs`), then close. */
  close(graceMs?: number): Promise<void>;
}

/** The submission listener: smtp-server wired to our auth, policy and DATA handling. */
export function createSmtpListener(deps: InboundDeps, options: { implicitTls?: boolean } = {}): SmtpListener {
  let closing = false;
  const { smtp, logger } = deps;
  const tracker = new TransactionTracker(smtp.transactionTimeoutMs, (sessionId) => onTransactionTimeout(sessionId));
  const handlers = createHandlers({
    deps,
    tracker,
    limiter: new ConnectionLimiter(smtp.maxConnectionsPerIp),
    isClosing: () => closing,
    authenticate: createAuthenticator({
      tenants: deps.tenants,
      verify: deps.verifyPassword ?? verifyPassword,
      clock: deps.clock,
      cache: new AuthCache(smtp.auth.cacheTtlMs),
      throttle: new AuthThrottle(smtp.auth, undefined, deps.authCounts),
      maxFailuresPerConnection: smtp.auth.maxFailuresPerConnection,
    }),
  });
  const server: SMTPServer = new SMTPServer({
    ...serverOptions(deps, options.implicitTls === true),
    ...handlers,
    // The guard watches each session from its greeting to its close.
    onConnect: (session, cb) =>
      handlers.onConnect(session, (err) => {
        if (!err) guard.attach(session.id);
        cb(err);
      }),
    onData: (stream, session, cb) =>
      handlers.onData(stream, session, (err, reply) => {
        cb(err, reply);
        guard.answered(session.id);
      }),
    onClose: (session, cb) => {
      guard.detach(session.id);
      handlers.onClose(session, cb);
    },
  });
  const guard = new CommandGuard(server, smtp, (sessionId, event) => {
    deps.metrics.rejected(event);
    logger.info({ session: sessionId, event }, 'command guard');
  });
  server.on('error', (err) => logger.warn({ err }, 'smtp connection error'));

  function onTransactionTimeout(sessionId: string): void {
    // A client that sent RSET left its transaction without telling us; nothing to cut off.
    if (!hasOpenTransaction(server, sessionId)) {
      tracker.end(sessionId);
      return;
    }
    deps.metrics.rejected('timeout');
    logger.info(
      { session: sessionId, timeoutMs: smtp.transactionTimeoutMs },
      'transaction took too long, closing connection',
    );
    closeSession(server, sessionId, Replies.transactionTimeout());
  }

  return {
    listen: (port, host) => listen(server, port, host),
    async close(graceMs = 10_000) {
      closing = true;
      await closeGracefully(server, tracker, graceMs);
      logger.info({ implicitTls: options.implicitTls === true }, 'smtp listener closed');
    },
  };
}

/**
 * Stop accepting; answer idle sessions 421 4.3.2 at once; give sessions inside a mail
 * transaction up to `graceMs` to finish (new MAIL FROMs get 421 meanwhile), then close the rest.
 */
export async function closeGracefully(server: SMTPServer, tracker: TransactionTracker, graceMs: number): Promise<void> {
  server.server.close();
  for (const id of openSessionIds(server)) {
    if (!tracker.isActive(id) || !hasOpenTransaction(server, id)) closeSession(server, id, Replies.shuttingDown());
  }
  await settleWithin(tracker.whenIdle(), graceMs);
  await new Promise((resolve) => setImmediate(resolve)); // let the last DATA reply reach its socket first
  for (const id of openSessionIds(server)) closeSession(server, id, Replies.shuttingDown());
  // Public close: also drops sockets still in a TLS handshake, then waits for the sockets to go.
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function serverOptions(deps: InboundDeps, implicitTls: boolean): SMTPServerOptions {
  const { smtp } = deps;
  return {
    name: deps.hostname,
    banner: 'Postbode',
    secure: implicitTls,
    key: deps.tls.key,
    cert: deps.tls.cert,
    size: smtp.maxMessageSize,
    authMethods: ['PLAIN', 'LOGIN'],
    // Allow-listed IPs send without AUTH; MAIL FROM enforces who may send.
    authOptional: true,
    // AUTH before TLS is hidden and refused by the command guard unless smtp.allowPlaintextAuth;
    // on such a listener the tenant flag decides in onAuth (smtp-server only has a global flag).
    allowInsecureAuth: true,
    // Our address check (smtp-address-parser) gives the 553 replies; smtp-server's strict one would answer 501 first.
    lenientAddressParsing: true,
    maxClients: smtp.maxClients,
    socketTimeout: smtp.socketTimeoutMs,
    closeTimeout: 5_000,
    disableReverseLookup: true,
    useProxy: smtp.proxyProtocolFrom.length > 0 ? [...smtp.proxyProtocolFrom] : false,
    logger: false,
  };
}

export function listen(server: SMTPServer, port: number, host: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.server.once('error', onError);
    server.listen(port, host, () => {
      server.server.off('error', onError);
      const address = server.server.address();
      resolve({ port: typeof address === 'object' && address !== null ? address.port : port });
    });
  });
}

function settleWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
