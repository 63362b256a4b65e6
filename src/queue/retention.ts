import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/** How often finished messages past their retention are purged. */
const SWEEP_EVERY_MS = 3600_000;

export interface RetentionSweeper {
  /** One sweep now (also what the timer runs); resolves to the number of messages purged. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a sweep under way, so the queue can close after it. */
  stop(): Promise<void>;
}

/**
 * Purges finished messages (record and body) older than `retentionMs`, once at start and
 * then hourly. A failed sweep is logged and tried again at the next tick.
 */
export function startRetentionSweeper(
  queue: { purgeCompleted(olderThan: number): Promise<number> },
  opts: { retentionMs: number; clock: Clock; logger: Logger; everyMs?: number; what?: string },
): RetentionSweeper {
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= queue
      .purgeCompleted(opts.clock() - opts.retentionMs)
      .then(
        (purged) => {
          if (purged > 0)
            opts.logger.info(
              { purged, retentionMs: opts.retentionMs },
              `purged ${opts.what ?? 'finished messages'} past retention`,
            );
          return purged;
        },
        (err: unknown) => {
          opts.logger.error({ err }, 'retention sweep failed; will try again');
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), opts.everyMs ?? SWEEP_EVERY_MS);
  timer.unref();
  void sweep();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
