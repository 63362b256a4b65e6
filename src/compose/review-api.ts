import type { ReviewApiDeps } from '../admin/api/v1/route-deps.js';
import type { Clock } from '../core/clock.js';
import type { ExclusiveRun } from '../core/exclusive-run.js';
import { GatewayError } from '../core/gateway-error.js';
import type { Logger } from '../core/logger.js';
import type { GatewayQueue } from '../queue/gateway-queue.js';
import { buildResend } from '../queue/resend.js';
import { createReviewRenderer } from '../pipeline/index.js';
import type { PipelineDeps } from '../pipeline/shared.js';
import { startHoldExpiry, type HoldExpirySweeper } from '../pipeline/review/hold-expiry.js';
import type { HoldRulesStore } from '../pipeline/review/hold-rules-store.js';
import { createReviewService } from '../pipeline/review/review-service.js';

export interface ReviewWiring {
  readonly api: ReviewApiDeps;
  readonly expiry: HoldExpirySweeper;
}

/**
 * The review's parts joined: the service on the queue and the pipeline's renderer (for an
 * edit), the resend on the queue, and the expiry sweep. `notify` wakes delivery after a
 * release or resend.
 */
export function reviewApi(opts: {
  readonly queue: GatewayQueue;
  readonly rules: HoldRulesStore;
  readonly pipeline: PipelineDeps;
  readonly hostname: string;
  readonly sweepMs: number;
  /** False in a worker process that leaves the periodic jobs to the first worker (docs/scaling.md). */
  readonly sweeps?: boolean;
  readonly notify: () => void;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Keeps the expiry sweep to one node at a time on a shared queue (default: always here). */
  readonly exclusive?: ExclusiveRun;
}): ReviewWiring {
  const { queue, logger, clock } = opts;
  const service = createReviewService({
    queue,
    rules: opts.rules,
    rerender: createReviewRenderer(opts.pipeline),
    notify: opts.notify,
    logger,
  });
  const expiry =
    opts.sweeps === false
      ? { sweep: () => Promise.resolve(0), stop: () => Promise.resolve() }
      : startHoldExpiry(service, {
          everyMs: opts.sweepMs,
          clock,
          logger,
          ...(opts.exclusive ? { exclusive: opts.exclusive } : {}),
        });
  return {
    expiry,
    api: {
      service,
      async resend(message, to, now) {
        const body = await queue.body(message.id);
        if (!body) throw new GatewayError('E_CONFLICT', 'the message body is no longer kept (retention)');
        const resend = buildResend(message, body, to, now, opts.hostname);
        if (resend.message.envelope.to.length === 0)
          throw new GatewayError('E_CONFLICT', 'no client recipient to resend to');
        const queued = await queue.resend(message.id, resend.message, resend.body);
        logger.info({ queueId: queued.id, resentFrom: message.id }, 'message resent');
        return queued;
      },
    },
  };
}
