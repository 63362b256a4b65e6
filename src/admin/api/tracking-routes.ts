import express, { type Router } from 'express';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { MessageLog } from '../../core/types.js';
import type { OpenStore } from '../../feedback/opens/open-store.js';
import { GIF_CONTENT_TYPE, transparentGif } from '../../pipeline/tracking/pixel.js';
import { verifyToken } from '../../feedback/opens/tracking-token.js';

/**
 * The public pixel route, `GET /t/:token.gif`. Every request gets the same 1×1 GIF, whether
 * the token is genuine or not: the answer never tells a stranger which tokens are valid.
 * Only a genuine token that counts (a client recipient's, not an archive copy's) records an
 * open. The record is written after the answer, so a slow disk never slows the pixel.
 */
export interface TrackingRouteDeps {
  /** SecretBox.deriveKey('tracking'). */
  readonly key: Buffer;
  readonly opens: Pick<OpenStore, 'record'>;
  /** For the delivery time of the recipient (opens within seconds of it are a scanner's). */
  readonly messages: Pick<MessageLog, 'get'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function createTrackingRouter(deps: TrackingRouteDeps): Router {
  const router = express.Router();
  router.get('/:token.gif', (req, res) => {
    res.set('Cache-Control', 'no-store, private');
    res.type(GIF_CONTENT_TYPE).send(transparentGif());
    recordOpen(deps, req.params.token, req.get('user-agent'));
  });
  return router;
}

function recordOpen(deps: TrackingRouteDeps, token: string, userAgent: string | undefined): void {
  const payload = verifyToken(deps.key, token);
  if (payload === null || !payload.counts) return;
  const openedAt = deps.clock();
  deliveredAt(deps.messages, payload.messageId, payload.recipient)
    .then((delivered) =>
      deps.opens.record({
        messageId: payload.messageId,
        recipient: payload.recipient,
        userAgent,
        openedAt,
        deliveredAt: delivered,
      }),
    )
    .catch((err: unknown) => deps.logger.error({ err, queueId: payload.messageId }, 'could not record an open'));
}

async function deliveredAt(
  messages: TrackingRouteDeps['messages'],
  id: string,
  address: string,
): Promise<number | undefined> {
  const msg = await messages.get(id);
  const recipient = msg?.recipients.find((r) => r.address.toLowerCase() === address.toLowerCase());
  return recipient?.history.find((a) => a.outcome === 'delivered')?.at;
}
