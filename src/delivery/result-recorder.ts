import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { MessageQueue, QueuedMessage, RecipientResult } from '../core/types.js';

/** What one attempt of a message put on record. */
export interface Recorded {
  /** The message after the last successful record; undefined when nothing was recorded. */
  readonly after: QueuedMessage | undefined;
  /** The results that are on record. */
  readonly results: readonly RecipientResult[];
  /** A record failed: those recipients stay due and are sent again (at-least-once). */
  readonly failed: boolean;
}

/**
 * Told of each record once it is committed (bounce alerts, src/feedback/bounce-alerts/); must not throw or block:
 * its own work goes on after the recorder's.
 */
export type RecordedHook = (after: QueuedMessage, results: readonly RecipientResult[]) => void;

export interface ResultRecorder {
  /** One delivery's results, as its send returns: its 250s are recorded at once. */
  sent(results: readonly RecipientResult[]): void;
  /** Records the attempt's results not yet recorded and waits for every record of it. */
  finish(results: readonly RecipientResult[]): Promise<Recorded>;
}

/**
 * Records one attempt of one message. A delivery's 250s are written as soon as its send
 * returns, so that a crash while another destination of the same message is still talking
 * does not send them again. Bounces and deferrals wait for the end of the attempt: a bounce
 * is recorded together with the queueing of its DSN (a crash in between would lose the DSN),
 * and sending a deferred recipient again duplicates nothing. The records of one message go
 * one after another, so each sees the one before: whether a record completes the message
 * decides where its body goes (LmdbQueue.archiveIfCompleting).
 */
export function createResultRecorder(
  queue: Pick<MessageQueue, 'record'>,
  id: string,
  clock: Clock,
  logger: Logger,
  onRecorded?: RecordedHook,
): ResultRecorder {
  let chain: Promise<void> = Promise.resolve();
  let after: QueuedMessage | undefined;
  let failed = false;
  const handed = new Set<string>();
  const recorded: RecipientResult[] = [];

  function write(results: readonly RecipientResult[]): void {
    if (results.length === 0) return;
    for (const r of results) handed.add(r.address);
    // An idle chain runs the record in this event turn: it joins this turn's commit.
    chain = chain.then(async () => {
      try {
        const now = await queue.record(id, results, clock());
        after = now;
        recorded.push(...results);
        onRecorded?.(now, results);
      } catch (err) {
        failed = true;
        logger.error({ queueId: id, err }, 'recording delivery results failed');
      }
    });
  }

  return {
    sent(results) {
      write(results.filter((r) => r.outcome === 'delivered'));
    },
    async finish(results) {
      write(results.filter((r) => !handed.has(r.address)));
      await chain;
      return { after, results: recorded, failed };
    },
  };
}
