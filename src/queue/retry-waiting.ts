import type { Logger } from '../core/logger.js';
import type { MessageLog } from '../core/types.js';

/**
 * Makes a tenant's mail that was deferred only while it waited for the tenant (a Gmail link,
 * a test-send of new server settings) due at once, instead of at its next scheduled retry (up
 * to queue.retry.maxDelayMs away). Mail deferred for other reasons keeps its time. `to`:
 * only mail whose waiting recipient is that address (a reply address that was just confirmed).
 */
const PAGE = 500;
const MAX_PAGES = 20;

export async function retryDeferredWith(
  log: Pick<MessageLog, 'list' | 'retryNow'>,
  tenantId: string,
  replies: readonly string[],
  now: number,
  logger: Logger,
  to?: string,
): Promise<number> {
  const waitsFor = (r: { readonly address: string; readonly status: string; readonly lastReply?: string }): boolean =>
    r.status === 'deferred' &&
    (to === undefined || r.address.toLowerCase() === to) &&
    replies.some((w) => r.lastReply?.startsWith(w) === true);
  let retried = 0;
  let before: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { messages, next } = await log.list({
      status: 'deferred',
      tenantId,
      limit: PAGE,
      ...(before !== undefined ? { before } : {}),
    });
    for (const message of messages) {
      if (!message.recipients.some(waitsFor)) continue;
      try {
        await log.retryNow(message.id, now);
        retried++;
      } catch (err) {
        logger.warn({ queueId: message.id, err }, 'could not retry a waiting message');
      }
    }
    if (next === undefined) break;
    before = next;
  }
  return retried;
}
