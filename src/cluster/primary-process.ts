import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { startCountsRelay } from './counts-relay.js';
import { startPrimary, type Primary } from './primary.js';

/**
 * `node dist/main.js` with `workers` above 1: this process becomes the primary, starts the workers and ends with
 * them. SIGTERM or SIGINT stops every worker gracefully (each finishes its SMTP transactions), then exits.
 */
export async function runPrimaryProcess(config: Config, logger: Logger, count: number): Promise<never> {
  logger.info({ workers: count, backend: config.store.backend }, 'starting worker processes');
  // On LMDB the workers share the AUTH and limit counts through this process (on PostgreSQL, the database).
  let primary: Primary | undefined;
  const relay = startCountsRelay({
    workers: () =>
      [...(primary?.workers().values() ?? [])]
        .filter((w) => w.isConnected())
        .map((w) => ({ id: String(w.id), send: (msg: unknown) => w.send(msg as object) })),
  });
  primary = startPrimary({
    count,
    recountOnLoss: config.store.backend === 'lmdb',
    logger,
    onOtherMessage: (worker, message) => relay.onWorkerMessage(String(worker.id), message),
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping every worker');
    void primary?.stop();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const code = await primary.done;
  logger.info({ code }, 'every worker stopped');
  process.exit(code);
}
