import { replyLine } from '../../core/smtp-reply.js';
import type { Logger } from '../../core/logger.js';
import type { MessageLog } from '../../core/types.js';
import { retryDeferredWith } from '../../queue/retry-waiting.js';
import { NOT_LINKED_REPLY } from './gmail-planner.js';

/** After a tenant links Gmail (again), its mail that was waiting only for the link is due at once. */
const WAITING_FOR_LINK = [replyLine(NOT_LINKED_REPLY), '451 4.7.0 Gmail link broken'];

export async function retryWaitingForLink(
  log: Pick<MessageLog, 'list' | 'retryNow'>,
  tenantId: string,
  now: number,
  logger: Logger,
): Promise<number> {
  return retryDeferredWith(log, tenantId, WAITING_FOR_LINK, now, logger);
}
