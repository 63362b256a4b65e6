import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { startPrimary } from './primary.js';

/**
 * `node dist/main.js` with `workers` above 1: this process becomes the primary, starts the workers and ends with
 * them. SIGTERM or SIGINT stops every worker gracefully (each finishes its SMTP transactions), then exits.
 */
export async function runPrimaryProcess(config: Config, logger: Logger, count: number): Promise<never> {
  logger.info({ workers: count, backend: config.store.backend }, 'starting worker processes');
  const primary = startPrimary({ count, recountOnLoss: config.store.backend === 'lmdb', logger });
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping every worker');
    void primary.stop();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const code = await primary.done;
  logger.info({ code }, 'every worker stopped');
  process.exit(code);
}
