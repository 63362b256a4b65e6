import { pino } from 'pino';
import type { Config } from '../../config/schema.js';
import { openStorage, type Storage } from '../../store/storage.js';

/**
 * The running gateway's storage, opened for one command: it closes with the last store the
 * command closes (LMDB lets both processes use it at once).
 */
export function cliStorage(config: Pick<Config, 'dataDir'>): Storage {
  return openStorage({ dataDir: config.dataDir, logger: pino({ level: 'silent' }), closeWithLastStore: true });
}
