import type { Clock } from '../../core/clock.js';
import { runHere, type ExclusiveRun } from '../../core/exclusive-run.js';
import type { Logger } from '../../core/logger.js';

/** The sweep's name among the periodic jobs (the lock's name on a shared database). */
export const HOLD_EXPIRY_JOB = 'review-hold-expiry';

export interface HoldExpirySweeper {
  /** One round now (also what the timer runs); resolves with how many holds it ended (0 when run elsewhere). */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a round under way, so the queue can close after it. */
  stop(): Promise<void>;
}

/**
 * Applies the tenants' expiry rule to held messages every `everyMs` (one round at a time, each
 * bounded by the review service). A failed round is logged and tried again at the next tick.
 * `exclusive` (default: always here) lets a node skip a round another node runs at that moment:
 * the holds are in the shared queue, one sweep ends them all.
 */
export function startHoldExpiry(
  review: { expire(now: number): Promise<number> },
  opts: { readonly everyMs: number; readonly clock: Clock; readonly logger: Logger; readonly exclusive?: ExclusiveRun },
): HoldExpirySweeper {
  const exclusive = opts.exclusive ?? runHere;
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= exclusive(HOLD_EXPIRY_JOB, () => review.expire(opts.clock()))
      .then(
        (run) => {
          const ended = run.ran ? run.result : 0;
          if (ended > 0) opts.logger.info({ ended }, 'review holds expired');
          return ended;
        },
        (err: unknown) => {
          opts.logger.error({ err }, 'review expiry sweep failed; will try again');
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), opts.everyMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
