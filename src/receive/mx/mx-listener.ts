import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { Clock } from '../../core/clock.js';
import { isGatewayError } from '../../core/gateway-error.js';
import { newQueueId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { Replies, SmtpError, type SmtpReply } from '../../core/smtp-reply.js';
import type { Config } from '../../config/schema.js';
import { normalizeIp } from '../smtp/client-ip.js';
import { collectCapped } from '../smtp/collect-stream.js';
import { ConnectionLimiter } from '../smtp/connection-limits.js';
import type { DataStream } from '../smtp/data-handler.js';
import { checkRecipientCount, checkRecipientSyntax, checkSenderSyntax } from '../smtp/mail-policy.js';
import { processMessage } from '../smtp/process-message.js';
import { closeSession, hasOpenTransaction } from '../smtp/server-connections.js';
import { sessionFields } from '../smtp/session-log.js';
import { closeGracefully, listen, type SmtpListener } from '../smtp/smtp-listener.js';
import { toCallback } from '../smtp/to-callback.js';
import { TransactionTracker } from '../smtp/transaction-timer.js';
import type { DiskSpace } from '../../store/disk-watermark.js';
import type { Inbox } from './inbox.js';
import { classifyRecipient, isReply, type MxDomains } from '../../feedback/recipient-policy.js';

export interface MxListenerDeps {
  /** The submission listener's limits: size, recipients, connections, timeouts. */
  readonly smtp: Config['smtp'];
  readonly hostname: string;
  readonly tls: { readonly key: Buffer; readonly cert: Buffer };
  readonly domains: MxDomains;
  /**
   * A forwarding address's answer at RCPT: undefined = accept, else the refusal (unknown tenant, no "send replies to").
   */
  readonly checkForwarding: (localPart: string) => Promise<SmtpReply | undefined>;
  readonly inbox: Inbox;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Called after the 250 with the stored message's id. */
  readonly onStored: (id: string) => void;
  /** Free-space watermark on the data directory: below it MAIL FROM and DATA answer 452 4.3.1. */
  readonly disk?: DiskSpace;
}

/**
 * The MX listener: smtp-server without AUTH, STARTTLS with the submission certificate,
 * recipients only on the platform domains, and the submission listener's parts for
 * everything else (size cap, NUL and line-ending rules, structure limits, transaction
 * deadline, connection limits, graceful close). 250 only once the message is fsynced.
 */
export function createMxListener(deps: MxListenerDeps): SmtpListener {
  let closing = false;
  const limiter = new ConnectionLimiter(deps.smtp.maxConnectionsPerIp);
  const tracker = new TransactionTracker(deps.smtp.transactionTimeoutMs, (id) => {
    if (hasOpenTransaction(server, id)) closeSession(server, id, Replies.transactionTimeout());
    tracker.end(id);
  });
  const refuse = (session: SMTPServerSession, reply: SmtpReply, reason: string, command: string): SmtpError => {
    deps.metrics.rejected(`mx-${reason}`);
    deps.logger.info(
      { ...sessionFields(session), listener: 'mx', command, code: reply.code, text: reply.text },
      'command refused',
    );
    return SmtpError.from(reply);
  };
  const guard = <T>(session: SMTPServerSession, command: string, work: () => Promise<T>): Promise<T> =>
    work().catch((err: unknown) => {
      if (err instanceof SmtpError) throw err;
      deps.logger.error({ ...sessionFields(session), listener: 'mx', command, err }, 'mx handler failed');
      throw SmtpError.from(Replies.localError());
    });

  const handlers: Partial<SMTPServerOptions> = {
    onConnect: (session, cb) =>
      toCallback(
        guard(session, 'CONNECT', async () => {
          if (closing) throw refuse(session, Replies.shuttingDown(), 'shutdown', 'CONNECT');
          if (!limiter.admit(session.id, normalizeIp(session.remoteAddress)))
            throw refuse(session, Replies.tooManyConnections(), 'connections', 'CONNECT');
        }),
        cb,
      ),
    onMailFrom: (address, session, cb) =>
      toCallback(
        guard(session, 'MAIL', async () => {
          if (closing) throw refuse(session, Replies.shuttingDown(), 'shutdown', 'MAIL');
          if (deps.disk?.below()) throw refuse(session, Replies.storageFull(), 'storage-full', 'MAIL');
          const syntax = checkSenderSyntax(address.address);
          if (syntax) throw refuse(session, syntax.reply, syntax.reason, 'MAIL');
          tracker.begin(session.id);
        }),
        cb,
      ),
    onRcptTo: (address, session, cb) =>
      toCallback(
        guard(session, 'RCPT', () => rcpt(address, session)),
        cb,
      ),
    onData: (stream, session, cb) =>
      toCallback(
        guard(session, 'DATA', () => data(stream as DataStream, session)),
        (err, reply) => {
          cb(err, reply);
          tracker.end(session.id);
        },
      ),
    onClose: (session) => {
      limiter.release(session.id);
      tracker.end(session.id);
    },
  };

  async function rcpt(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const accepted = session.envelope.rcptTo.map((r) => r.address);
    const verdict =
      checkRecipientSyntax(address.address) ?? checkRecipientCount(accepted, address.address, deps.smtp.maxRecipients);
    if (verdict) throw refuse(session, verdict.reply, verdict.reason, 'RCPT');
    const target = classifyRecipient(deps.domains, address.address, deps.clock());
    if (isReply(target)) throw refuse(session, target, target.enhanced === '5.7.1' ? 'relay' : 'unknown-user', 'RCPT');
    if (target.kind !== 'forwarding') return;
    const refusal = await deps.checkForwarding(target.localPart);
    if (refusal) throw refuse(session, refusal, 'unknown-user', 'RCPT');
  }

  async function data(stream: DataStream, session: SMTPServerSession): Promise<string> {
    const input = await collectCapped(stream, deps.smtp.maxMessageSize).catch(() => {
      throw SmtpError.from(Replies.localError());
    });
    tracker.inputDone(session.id);
    if (input.truncated || stream.sizeExceeded)
      throw refuse(session, Replies.messageTooBig(deps.smtp.maxMessageSize), 'size', 'DATA');
    const now = deps.clock();
    const id = newQueueId(now);
    const ip = normalizeIp(session.remoteAddress);
    const helo = session.hostNameAppearsAs || '';
    const to = session.envelope.rcptTo.map((r) => r.address);
    const processed = processMessage(input.data, {
      helo,
      clientHostname: session.clientHostname || `[${ip}]`,
      hostname: deps.hostname,
      transmission: session.transmissionType,
      queueId: id,
      recipients: to,
      now,
    });
    if (processed.kind === 'refuse') throw refuse(session, processed.reply, processed.reason, 'DATA');
    const mailFrom = session.envelope.mailFrom;
    if (deps.disk?.below()) throw refuse(session, Replies.storageFull(), 'storage-full', 'DATA');
    try {
      await deps.inbox.put(
        {
          id,
          receivedAt: now,
          envelope: { from: mailFrom === false ? '' : mailFrom.address, to },
          client: { address: ip, helo },
        },
        processed.message,
      );
    } catch (err) {
      const full = isGatewayError(err, 'E_STORAGE_FULL');
      if (full) void deps.disk?.check();
      deps.logger.error(
        { ...sessionFields(session), listener: 'mx', id, err },
        full ? 'mx store full, message deferred' : 'mx store failed, message deferred',
      );
      throw refuse(
        session,
        full ? Replies.storageFull() : Replies.localError(),
        full ? 'storage-full' : 'local-error',
        'DATA',
      );
    }
    deps.logger.info(
      { ...sessionFields(session), listener: 'mx', id, size: processed.message.length, recipients: to.length },
      'mx message stored',
    );
    deps.onStored(id);
    const reply = Replies.queued(id);
    return `${reply.enhanced} ${reply.text}`;
  }

  const server = new SMTPServer({
    name: deps.hostname,
    banner: 'Postbode MX',
    key: deps.tls.key,
    cert: deps.tls.cert,
    size: deps.smtp.maxMessageSize,
    disabledCommands: ['AUTH'],
    authOptional: true,
    lenientAddressParsing: true,
    maxClients: deps.smtp.maxClients,
    socketTimeout: deps.smtp.socketTimeoutMs,
    closeTimeout: 5_000,
    disableReverseLookup: true,
    logger: false,
    ...handlers,
  });
  server.on('error', (err) => deps.logger.warn({ err, listener: 'mx' }, 'smtp connection error'));
  return {
    listen: (port, host) => listen(server, port, host),
    async close(graceMs = 10_000) {
      closing = true;
      await closeGracefully(server, tracker, graceMs);
      deps.logger.info('mx listener closed');
    },
  };
}
