import { pino } from 'pino';
import { openStorage, type Storage } from '../../src/store/storage.js';

/**
 * The storage at `dataDir` for a test that opens stores directly: it closes with the last
 * store the test closes, so closing a store and opening it again reads what is on disk.
 */
export function storageAt(dataDir: string): Storage {
  return openStorage({ dataDir, logger: pino({ level: 'silent' }), closeWithLastStore: true });
}
