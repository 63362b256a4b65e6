import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerOptions,
  SMTPServerSession,
} from 'smtp-server';
import { Replies, SmtpError } from '../../core/smtp-reply.js';
import type { AuthAttempt, AuthOutcome } from './auth.js';
import type { ConnectionLimiter } from './connection-limits.js';
import { receiveMessage, type DataSession, type DataStream } from './data-handler.js';
import type { InboundDeps } from './inbound-deps.js';
import { normalizeIp } from './client-ip.js';
import {
  checkRecipientCount,
  checkRecipientSyntax,
  checkSenderSyntax,
  checkUtf8Address,
  resolveSenderTenant,
  type Refusal,
} from './mail-policy.js';
import { authenticatedTenant, sessionFields } from './session-log.js';
import { checkTenantMail, declaredSize } from './tenant-limit-policy.js';
import { checkTenantTls } from './tenant-tls.js';
import { toCallback } from './to-callback.js';
import type { TransactionTracker } from './transaction-timer.js';

export interface HandlerContext {
  readonly deps: InboundDeps;
  readonly authenticate: (attempt: AuthAttempt) => Promise<AuthOutcome>;
  readonly limiter: ConnectionLimiter;
  readonly tracker: TransactionTracker;
  readonly isClosing: () => boolean;
}

/** Per-connection state that smtp-server's session does not hold for us. */
interface SessionState {
  authFailures: number;
  /** The tenant of the current transaction, set at MAIL FROM. */
  tenantId: string | undefined;
  /** MAIL commands so far (smtp.maxTransactionsPerSession). */
  transactions: number;
}

interface Ctx extends HandlerContext {
  readonly sessions: Map<string, SessionState>;
}

type Handlers = Required<
  Pick<SMTPServerOptions, 'onConnect' | 'onAuth' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>
>;

/** smtp-server's callbacks: each adapts once to an async function and turns verdicts into replies. */
export function createHandlers(context: HandlerContext): Handlers {
  const ctx: Ctx = { ...context, sessions: new Map() };
  return {
    onConnect: (session, cb) =>
      toCallback(
        guard(ctx, session, 'CONNECT', () => connect(ctx, session)),
        cb,
      ),
    onAuth: (a, session, cb) =>
      toCallback(
        guard(ctx, session, 'AUTH', () => auth(ctx, a, session)),
        cb,
      ),
    onMailFrom: (address, session, cb) =>
      toCallback(
        guard(ctx, session, 'MAIL', () => mailFrom(ctx, address, session)),
        cb,
      ),
    onRcptTo: (address, session, cb) =>
      toCallback(
        guard(ctx, session, 'RCPT', () => rcptTo(ctx, address, session)),
        cb,
      ),
    // The transaction ends after smtp-server has written the DATA reply (it does so inside `cb`):
    // a shutdown waiting for it must not get its 421 in ahead of our 250.
    onData: (stream, session, cb) =>
      toCallback(
        guard(ctx, session, 'DATA', () => data(ctx, stream, session)),
        (err, reply) => {
          cb(err, reply);
          ctx.tracker.end(session.id);
        },
      ),
    onClose: (session) => {
      ctx.limiter.release(session.id);
      ctx.tracker.end(session.id);
      ctx.sessions.delete(session.id);
      ctx.deps.logger.debug(sessionFields(session), 'client disconnected');
    },
  };
}

/**
 * Stored by onConnect only: a callback that runs after onClose gets a detached state, so
 * nothing re-creates (and leaks) an entry for a connection that is gone.
 */
function state(ctx: Ctx, session: SMTPServerSession): SessionState {
  return ctx.sessions.get(session.id) ?? { authFailures: 0, tenantId: undefined, transactions: 0 };
}

function refuse(ctx: Ctx, session: SMTPServerSession, r: Refusal, command: string): SmtpError {
  ctx.deps.metrics.rejected(r.reason);
  ctx.deps.logger.info(
    {
      ...sessionFields(session, state(ctx, session).tenantId),
      command,
      reason: r.reason,
      code: r.reply.code,
      text: r.reply.text,
    },
    'command refused',
  );
  return SmtpError.from(r.reply);
}

/** Anything that is not an SmtpError is our bug or an outage: log it, answer 451 4.3.0, never crash. */
function guard<T>(ctx: Ctx, session: SMTPServerSession, command: string, work: () => Promise<T>): Promise<T> {
  return work().catch((err: unknown) => {
    if (err instanceof SmtpError) throw err;
    ctx.deps.logger.error({ ...sessionFields(session), command, err }, 'handler failed');
    ctx.deps.metrics.rejected('local-error');
    throw SmtpError.from(Replies.localError());
  });
}

async function connect(ctx: Ctx, session: SMTPServerSession): Promise<void> {
  if (ctx.isClosing()) throw refuse(ctx, session, { reply: Replies.shuttingDown(), reason: 'shutdown' }, 'CONNECT');
  if (ctx.deps.backendAvailable?.() === false)
    throw refuse(ctx, session, { reply: Replies.storeUnavailable(), reason: 'store-unavailable' }, 'CONNECT');
  if (!ctx.limiter.admit(session.id, normalizeIp(session.remoteAddress))) {
    throw refuse(ctx, session, { reply: Replies.tooManyConnections(), reason: 'connections' }, 'CONNECT');
  }
  ctx.sessions.set(session.id, { authFailures: 0, tenantId: undefined, transactions: 0 });
  ctx.deps.logger.debug({ ...sessionFields(session), secure: session.secure }, 'client connected');
}

async function auth(
  ctx: Ctx,
  a: SMTPServerAuthentication,
  session: SMTPServerSession,
): Promise<SMTPServerAuthenticationResponse> {
  const s = state(ctx, session);
  const username = a.username ?? '';
  const outcome = await ctx.authenticate({
    username,
    password: a.password ?? '',
    ip: normalizeIp(session.remoteAddress),
    ...(a.authzid ? { authzid: a.authzid } : {}),
    secure: session.secure,
    failuresOnConnection: s.authFailures,
  });
  if (outcome.kind === 'ok') {
    ctx.deps.logger.info(
      { ...sessionFields(session, outcome.tenant.id), user: username, method: a.method, cached: outcome.cached },
      'authenticated',
    );
    return { user: outcome.tenant.id };
  }
  if (outcome.failure) s.authFailures++;
  // The user name is logged (it is not a secret); the password never is.
  throw refuse(ctx, session, { reply: outcome.reply, reason: outcome.reason }, `AUTH ${a.method} ${username}`);
}

async function mailFrom(ctx: Ctx, address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
  if (ctx.isClosing()) throw refuse(ctx, session, { reply: Replies.shuttingDown(), reason: 'shutdown' }, 'MAIL');
  if (ctx.deps.disk?.below())
    throw refuse(ctx, session, { reply: Replies.storageFull(), reason: 'storage-full' }, 'MAIL');
  if (ctx.deps.backendAvailable?.() === false)
    throw refuse(ctx, session, { reply: Replies.storeUnavailable(), reason: 'store-unavailable' }, 'MAIL');
  countTransaction(ctx, session);
  const client = { authenticatedTenantId: authenticatedTenant(session), ip: normalizeIp(session.remoteAddress) };
  const sender = await resolveSenderTenant(client, ctx.deps.tenants);
  if ('reply' in sender) throw refuse(ctx, session, sender, 'MAIL');
  const tls = await checkTenantTls(ctx.deps.tenants, sender.tenantId, session.secure);
  if (tls) throw refuse(ctx, session, tls, 'MAIL');
  // smtp-server sets envelope.smtpUtf8 before asking us and never clears it: a refused MAIL with
  // SMTPUTF8 must not leave it on for the next transaction's RCPTs.
  session.envelope.smtpUtf8 = address.args !== false && address.args.SMTPUTF8 === true;
  const syntax = checkSenderSyntax(address.address) ?? checkUtf8Address(address.address, session.envelope.smtpUtf8);
  if (syntax) throw refuse(ctx, session, syntax, 'MAIL');
  // The tenant resolved above (AUTH, or the allow-list entry's tenant) is the one whose ownership counts.
  const owned = await ctx.deps.senders?.envelope(sender.tenantId, address.address);
  if (owned) throw refuse(ctx, session, owned, 'MAIL');
  const limited =
    ctx.deps.limits && checkTenantMail(ctx.deps.limits, sender.tenantId, declaredSize(address.args), ctx.deps.clock());
  if (limited) throw refuse(ctx, session, limited, 'MAIL');
  state(ctx, session).tenantId = sender.tenantId;
  ctx.tracker.begin(session.id);
}

/** Counts this MAIL; past smtp.maxTransactionsPerSession the client gets 421 and the connection closes. */
function countTransaction(ctx: Ctx, session: SMTPServerSession): void {
  const max = ctx.deps.smtp.maxTransactionsPerSession;
  const s = state(ctx, session);
  s.transactions++;
  if (s.transactions <= max) return;
  ctx.deps.metrics.limitHit?.('transactionsPerSession');
  throw refuse(ctx, session, { reply: Replies.tooManyTransactions(max), reason: 'session-limit' }, 'MAIL');
}

async function rcptTo(ctx: Ctx, address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
  const accepted = session.envelope.rcptTo.map((r) => r.address);
  const { limits } = ctx.deps;
  const tenantId = state(ctx, session).tenantId;
  const max =
    limits && tenantId !== undefined ? limits.limitsOf(tenantId).recipientsPerMessage : ctx.deps.smtp.maxRecipients;
  const syntax =
    checkRecipientSyntax(address.address) ?? checkUtf8Address(address.address, session.envelope.smtpUtf8 === true);
  if (syntax) throw refuse(ctx, session, syntax, 'RCPT');
  const tooMany = checkRecipientCount(accepted, address.address, max);
  if (tooMany && limits && tenantId !== undefined) limits.hit(tenantId, 'recipientsPerMessage');
  if (tooMany) throw refuse(ctx, session, tooMany, 'RCPT');
}

async function data(ctx: Ctx, stream: DataStream, session: SMTPServerSession): Promise<string> {
  const { deps } = ctx;
  const tenantId = state(ctx, session).tenantId;
  if (tenantId === undefined) throw new Error('DATA without a tenant');
  return receiveMessage(
    stream,
    dataSession(session, tenantId),
    {
      maxMessageSize: deps.smtp.maxMessageSize,
      maxHops: deps.smtp.maxHops,
      hostname: deps.hostname,
      queue: deps.queue,
      metrics: deps.metrics,
      logger: deps.logger,
      clock: deps.clock,
      ...(deps.onQueued ? { onQueued: deps.onQueued } : {}),
      ...(deps.maxSizeFor ? { maxSizeFor: deps.maxSizeFor } : {}),
      ...(deps.senders ? { senders: deps.senders } : {}),
      ...(deps.disk ? { disk: deps.disk } : {}),
      ...(deps.backendAvailable ? { backendAvailable: deps.backendAvailable } : {}),
      ...(deps.extraRecipients ? { extraRecipients: deps.extraRecipients } : {}),
    },
    () => ctx.tracker.inputDone(session.id),
  ).catch((err: unknown) => {
    // the end-of-DATA size check uses the tenant's limit (maxSizeFor): count it like the SIZE= one
    if (err instanceof SmtpError && err.responseCode === 552) deps.limits?.hit(tenantId, 'maxMessageSize');
    throw err;
  });
}

function dataSession(session: SMTPServerSession, tenantId: string): DataSession {
  const mailFrom = session.envelope.mailFrom;
  const ip = normalizeIp(session.remoteAddress);
  return {
    tenantId,
    clientAddress: ip,
    helo: session.hostNameAppearsAs || '',
    clientHostname: session.clientHostname || `[${ip}]`,
    transmission: session.transmissionType,
    envelope: { from: mailFrom === false ? '' : mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) },
    log: sessionFields(session, tenantId),
  };
}
