import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';

export interface HoldExpirySweeper {
  /** One round now (also what the timer runs); resolves with how many holds it ended. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a round under way, so the queue can close after it. */
  stop(): Promise<void>;
}

/**
 * Applies the tenants' expiry rule to held messages every `everyMs` (one round at a time, each
 * bounded by the review service). A failed round is logged and tried again at the next tick.
 */
export function startHoldExpiry(
  review: { expire(now: number): Promise<number> },
  opts: { readonly everyMs: number; readonly clock: Clock; readonly logger: Logger },
): HoldExpirySweeper {
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= review
      .expire(opts.clock())
      .then(
        (ended) => {
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
