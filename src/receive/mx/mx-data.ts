import type pg from 'pg';
import type { Logger } from '../../core/logger.js';
import type { MxStores } from '../../feedback/mx-stores.js';
import { openPgReplyTargets } from '../../feedback/pg-reply-targets.js';
import { createPgSentIndex } from '../../feedback/pg-sent-index.js';
import { openPgSuppressionStore } from '../../feedback/pg-suppression-store.js';
import { lmdbReplyTargets, type ReplyTargets } from '../../feedback/reply-targets.js';
import { createSentIndex, type SentIndex } from '../../feedback/sent-index.js';
import { createSuppressionStore, type SuppressionStore } from '../../feedback/suppression-store.js';
import { runOncePerCluster } from '../../store/postgres/cluster-job.js';
import { withReplyData, withSharedReplyData } from './mx-tenant-data.js';

/** The sent index's purge among the periodic jobs (the lock's name on a shared database). */
export const SENT_PURGE_JOB = 'mx-sent-purge';

/** The MX's data that the pipeline, the API and the tenant purge use besides the MX itself. */
export interface MxData {
  /** The suppression list, with the reply target and sent Message-IDs for the tenant purge. */
  readonly suppressions: SuppressionStore;
  readonly sent: SentIndex;
  readonly replyTargets: ReplyTargets;
  /** The sent index's retention purge: on a shared database one node at a time. */
  purgeSent(olderThan: number): Promise<number>;
  /** Waits for the writes under way and stops listening (before the pool ends). */
  close(): Promise<void>;
}

/**
 * Where the MX's data lives: without a pool in the node's LMDB (`mx/…`), with one shared by every
 * node on PostgreSQL (migration 009). Either way the inbox and its bodies (what the MX accepted
 * and has not processed yet) stay in the node's LMDB: they are this node's intake, processed by
 * this node after a restart, and what processing writes is shared.
 */
export async function openMxData(stores: MxStores, logger: Logger, pool?: pg.Pool): Promise<MxData> {
  if (pool === undefined) {
    const sent = createSentIndex(stores, logger);
    return {
      suppressions: withReplyData(createSuppressionStore(stores), stores),
      sent,
      replyTargets: lmdbReplyTargets(stores.replyTargets),
      purgeSent: (olderThan) => sent.purgeCompleted(olderThan),
      close: async () => undefined,
    };
  }
  const onListenError = (err: Error) => logger.warn({ err }, 'MX data: listening for changes failed; reconnecting');
  const suppressions = await openPgSuppressionStore(pool, { onListenError });
  const replyTargets = await openPgReplyTargets(pool, { onListenError }).catch(async (err: unknown) => {
    await suppressions.close();
    throw err;
  });
  const sent = createPgSentIndex(pool, logger);
  return {
    suppressions: withSharedReplyData(suppressions, replyTargets, sent),
    sent,
    replyTargets,
    purgeSent: async (olderThan) => {
      const run = await runOncePerCluster(pool, SENT_PURGE_JOB, () => sent.purgeCompleted(olderThan), { logger });
      return run.ran ? run.result : 0;
    },
    async close() {
      await sent.settled();
      await replyTargets.close();
      await suppressions.close();
    },
  };
}
