import type { Logger } from '../core/logger.js';
import type { MessageLog } from '../core/types.js';
import { NOT_LINKED_REPLY } from './gmail-planner.js';

/**
 * After a tenant links Gmail (again), its mail that was waiting only for the link is due at
 * once instead of at its next scheduled retry (up to queue.retry.maxDelayMs away). Mail
 * deferred for other reasons (a Retry-After, the daily limit) keeps its time.
 */
const WAITING_FOR_LINK = [NOT_LINKED_REPLY, '451 4.7.0 Gmail link broken'];
const PAGE = 500;
const MAX_PAGES = 20;

export async function retryWaitingForLink(
  log: Pick<MessageLog, 'list' | 'retryNow'>, tenantId: string, now: number, logger: Logger,
): Promise<number> {
  let retried = 0;
  let before: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { messages, next } = log.list({ status: 'deferred', tenantId, limit: PAGE, ...(before !== undefined ? { before } : {}) });
    for (const message of messages) {
      const waiting = message.recipients.some((r) => r.status === 'deferred' && WAITING_FOR_LINK.some((w) => r.lastReply?.startsWith(w) === true));
      if (!waiting) continue;
      try {
        await log.retryNow(message.id, now);
        retried++;
      } catch (err) {
        logger.warn({ queueId: message.id, err }, 'could not retry a message waiting for the Gmail link');
      }
    }
    if (next === undefined) break;
    before = next;
  }
  return retried;
}
