import { replyLine } from '../../core/smtp-reply.js';
import type { Logger } from '../../core/logger.js';
import type { MessageLog } from '../../core/types.js';
import { retryDeferredWith } from '../../queue/retry-waiting.js';
import { NOT_LINKED_REPLY } from './gmail-planner.js';
import { NO_TOKEN_REPLY_PREFIX } from '../../transports/smtp/xoauth2-hop.js';

/**
 * After a tenant links Gmail (again), its mail that was waiting only for the link is due at once: Gmail mode's, and
 * own-SMTP mail that had no token for its XOAUTH2 login.
 */
const WAITING_FOR_LINK = [replyLine(NOT_LINKED_REPLY), '451 4.7.0 Gmail link broken', NO_TOKEN_REPLY_PREFIX];

export async function retryWaitingForLink(
  log: Pick<MessageLog, 'list' | 'retryNow'>,
  tenantId: string,
  now: number,
  logger: Logger,
): Promise<number> {
  return retryDeferredWith(log, tenantId, WAITING_FOR_LINK, now, logger);
}
