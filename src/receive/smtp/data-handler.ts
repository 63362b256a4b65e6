import type { Readable } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import { isGatewayError } from '../../core/gateway-error.js';
import { newQueueId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { Replies, SmtpError, type SmtpReply } from '../../core/smtp-reply.js';
import type { Envelope, MessageQueue, NewMessage, QueuedMessage, RecipientRole } from '../../core/types.js';
import type { SenderGuard } from '../../tenants/ownership/sender-guard.js';
import type { DiskSpace } from '../../store/disk-watermark.js';
import { collectCapped } from './collect-stream.js';
import { STRUCTURE_LIMITS } from '../../mime/message-structure.js';
import { processMessage } from './process-message.js';

export interface DataDeps {
  readonly maxMessageSize: number;
  readonly hostname: string;
  readonly queue: MessageQueue;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly onQueued?: (message: QueuedMessage) => void;
  /** A tenant's own, lower limit (Gmail mode: Gmail's 35 MB); maxMessageSize when undefined. */
  readonly maxSizeFor?: (tenantId: string) => number | undefined;
  /** Received: hops that make a message a loop (smtp.maxHops); STRUCTURE_LIMITS' when undefined. */
  readonly maxHops?: number;
  /** Header From/Sender/Reply-To ownership, checked before the message is stored. */
  readonly senders?: SenderGuard;
  /** Free-space watermark: below it the message is refused with 452 4.3.1 instead of written. */
  readonly disk?: DiskSpace;
  /** False while the shared database is unreachable: the message is refused with 451 4.3.0, never 250. */
  readonly backendAvailable?: () => boolean;
  /** The tenant's extra envelope recipients (its archive address), asked at accept time; none when absent. */
  readonly extraRecipients?: ExtraRecipients;
}

/** What DATA needs to know about the session, already resolved by the listener. */
export interface DataSession {
  readonly tenantId: string;
  /** Normalised client IP. */
  readonly clientAddress: string;
  readonly helo: string;
  /** Reverse name or `[ip]`, for Received:. */
  readonly clientHostname: string;
  readonly transmission: string;
  readonly envelope: Envelope;
  /** Log fields for every line (session id, ip, tenant). */
  readonly log: Record<string, string>;
}

/** smtp-server's DATA stream: a Readable that says whether it went over `size`. */
export type DataStream = Readable & { readonly sizeExceeded: boolean };

/**
 * DATA end to end: read the message, check and complete it, store it durably, and only
 * then answer 250 with the queue id. Every refusal throws an SmtpError.
 * `onInputEnd` fires when the client's part is over (it stops the transaction deadline).
 */
export async function receiveMessage(
  stream: DataStream,
  session: DataSession,
  deps: DataDeps,
  onInputEnd: () => void,
): Promise<string> {
  const input = await collectCapped(stream, deps.maxMessageSize).catch((err: unknown) => {
    // The client went away mid-message: nothing to store, no one to answer, not our failure.
    deps.logger.info(
      { ...session.log, reason: err instanceof Error ? err.message : String(err) },
      'connection lost during DATA',
    );
    throw SmtpError.from(Replies.localError());
  });
  onInputEnd();
  const endOfData = deps.clock();
  if (input.truncated || stream.sizeExceeded)
    throw refusal(deps, session, Replies.messageTooBig(deps.maxMessageSize), 'size');
  const tenantMax = deps.maxSizeFor?.(session.tenantId);
  if (tenantMax !== undefined && input.data.length > tenantMax)
    throw refusal(deps, session, Replies.messageTooBig(tenantMax), 'size');
  const id = newQueueId(endOfData);
  const processed = processMessage(
    input.data,
    {
      helo: session.helo,
      clientHostname: session.clientHostname,
      hostname: deps.hostname,
      transmission: session.transmission,
      queueId: id,
      recipients: session.envelope.to,
      now: endOfData,
    },
    deps.maxHops === undefined ? STRUCTURE_LIMITS : { ...STRUCTURE_LIMITS, maxHops: deps.maxHops },
  );
  if (processed.kind === 'refuse') throw refusal(deps, session, processed.reply, processed.reason);
  const owned = await deps.senders?.headers(session.tenantId, processed.senders);
  if (owned) throw refusal(deps, session, owned.reply, owned.reason);
  const stored = await enqueue(deps, session, id, processed, endOfData);
  deps.metrics.accepted((deps.clock() - endOfData) / 1000);
  deps.logger.info(
    { ...session.log, queueId: id, size: stored.size, recipients: stored.recipients.length },
    'message queued',
  );
  notifyQueued(deps, session, stored);
  const reply = Replies.queued(id);
  return `${reply.enhanced} ${reply.text}`;
}

async function enqueue(
  deps: DataDeps,
  session: DataSession,
  id: string,
  processed: { readonly message: Buffer; readonly messageId: string; readonly subject?: string },
  receivedAt: number,
): Promise<QueuedMessage> {
  if (deps.disk?.below()) throw refusal(deps, session, Replies.storageFull(), 'storage-full');
  if (deps.backendAvailable?.() === false) throw refusal(deps, session, Replies.localError(), 'store-unavailable');
  try {
    const message = await withExtras(
      {
        id,
        tenantId: session.tenantId,
        kind: 'mail',
        envelope: session.envelope,
        receivedAt,
        client: { address: session.clientAddress, helo: session.helo },
        messageId: processed.messageId,
        ...(processed.subject !== undefined ? { subject: processed.subject } : {}),
      },
      deps.extraRecipients,
    );
    return await deps.queue.enqueue(message, processed.message);
  } catch (err) {
    const full = isGatewayError(err, 'E_STORAGE_FULL') || (await noRoomLeft(deps.disk, err, processed.message.length));
    if (full) void deps.disk?.check(); // the next MAIL FROM is refused without another failed write
    deps.logger.error(
      { ...session.log, queueId: id, err },
      full ? 'queue full, message deferred' : 'enqueue failed, message deferred',
    );
    throw refusal(
      deps,
      session,
      full ? Replies.storageFull() : Replies.localError(),
      full ? 'storage-full' : 'local-error',
      false,
    );
  }
}

/**
 * A failed write whose cause lmdb did not name in time (on a busy machine its commitError can come
 * late, see store/storage-errors.ts) is a full disk when a fresh sample of the filesystem has no
 * room left for this message: the client should hear 452 (no room now) rather than 451.
 */
async function noRoomLeft(disk: DiskSpace | undefined, err: unknown, size: number): Promise<boolean> {
  if (!disk || !isGatewayError(err, 'E_STORAGE')) return false;
  await disk.check();
  const free = disk.freeBytes();
  return free !== undefined && free < 2 * size + NO_ROOM_MARGIN_BYTES;
}

/** LMDB writes whole pages and grows its file in steps: below this much free space a write is likely to fail. */
const NO_ROOM_MARGIN_BYTES = 1024 * 1024;

function refusal(deps: DataDeps, session: DataSession, reply: SmtpReply, reason: string, log = true): SmtpError {
  deps.metrics.rejected(reason);
  if (log)
    deps.logger.info(
      { ...session.log, reason, code: reply.code, enhanced: reply.enhanced, text: reply.text },
      'message refused',
    );
  return SmtpError.from(reply);
}

/** The message is stored and answered either way: a failing listener must not turn that into an error. */
function notifyQueued(deps: DataDeps, session: DataSession, stored: QueuedMessage): void {
  try {
    deps.onQueued?.(stored);
  } catch (err) {
    deps.logger.error({ ...session.log, queueId: stored.id, err }, 'onQueued failed');
  }
}

/** Envelope recipients a tenant adds to every message (its archive address), read at accept time. */
export type ExtraRecipients = (tenantId: string) => Promise<readonly string[]>;

/**
 * The message with the tenant's extra recipients appended to the envelope before it is stored,
 * so that each has its own state in the log; they are marked `archive` in `roles`. A failing
 * lookup fails the enqueue: the client gets 451 and retries, rather than the archive silently
 * missing a message.
 */
async function withExtras(message: NewMessage, extra: ExtraRecipients | undefined): Promise<NewMessage> {
  const added = extra && message.kind === 'mail' ? await extra(message.tenantId) : [];
  if (added.length === 0) return message;
  const present = new Set(message.envelope.to.map((a) => a.toLowerCase()));
  const fresh = [...new Set(added)].filter((a) => !present.has(a.toLowerCase()));
  if (fresh.length === 0) return message;
  const roles: Record<string, RecipientRole> = { ...message.roles };
  for (const address of fresh) roles[address] = 'archive';
  return { ...message, envelope: { ...message.envelope, to: [...message.envelope.to, ...fresh] }, roles };
}
