import type { Clock } from '../core/clock.js';
import { newQueueId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { MessageQueue, QueuedMessage, RecipientResult, RecipientState } from '../core/types.js';
import { buildDsn, headerBlockOf } from './dsn.js';

export interface BounceDeps {
  readonly queue: MessageQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly hostname: string;
  /** Local part (or full address) for the DSN's From, e.g. MAILER-DAEMON. */
  readonly bounceFrom: string;
}

/** Recipients of this attempt that the record made final as failures. */
export function newlyFailed(after: QueuedMessage, results: readonly RecipientResult[]): RecipientState[] {
  const attempted = new Set(results.map((r) => r.address));
  return after.recipients.filter((r) => attempted.has(r.address) && (r.status === 'bounced' || r.status === 'expired'));
}

/** A null sender gets no DSN (nobody to tell), nor does a DSN or an alert (no bounce loops). */
export function wantsDsn(message: QueuedMessage): boolean {
  return message.envelope.from !== '' && message.kind !== 'dsn' && message.kind !== 'alert';
}

export function bounceAddress(deps: Pick<BounceDeps, 'bounceFrom' | 'hostname'>): string {
  return deps.bounceFrom.includes('@') ? deps.bounceFrom : `${deps.bounceFrom}@${deps.hostname}`;
}

/**
 * Queues one DSN to the original sender for `failed`. Returns the DSN, or undefined when
 * none is due or it could not be stored (logged: the failure is still in the queue history).
 */
export async function returnToSender(
  deps: BounceDeps,
  original: QueuedMessage,
  failed: readonly RecipientState[],
): Promise<QueuedMessage | undefined> {
  if (failed.length === 0 || !wantsDsn(original)) return undefined;
  const now = deps.clock();
  const id = newQueueId(now);
  const originalHeaders = headerBlockOf((await deps.queue.body(original.id)) ?? Buffer.alloc(0));
  const raw = buildDsn({
    original,
    originalHeaders,
    failed,
    hostname: deps.hostname,
    from: bounceAddress(deps),
    now,
    id,
  });
  try {
    const dsn = await deps.queue.enqueue(
      {
        id,
        tenantId: original.tenantId,
        kind: 'dsn',
        envelope: { from: '', to: [original.envelope.from] },
        receivedAt: now,
        client: { address: '127.0.0.1', helo: deps.hostname },
        messageId: `<${id}@${deps.hostname}>`,
        subject: 'Undelivered Mail Returned to Sender',
      },
      raw,
    );
    deps.logger.info(
      { queueId: original.id, dsnId: id, recipients: failed.length },
      'delivery status notification queued',
    );
    return dsn;
  } catch (err) {
    deps.logger.error({ queueId: original.id, err }, 'could not queue the delivery status notification');
    return undefined;
  }
}
