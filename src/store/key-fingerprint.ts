import { GatewayError } from '../core/gateway-error.js';
import type { Storage } from './storage.js';

/**
 * The fingerprint of the key that seals tenant secrets, recorded once per data store. Every node
 * of one store must load the same key: a node with another key would seal what the others cannot
 * open and fail to open what they sealed, one secret at a time, long after it started. Recording
 * the first key's fingerprint lets a node with another key refuse to start, saying why.
 */
export interface KeyFingerprintRecord {
  /** Records `fingerprint` when none is recorded yet; answers the one recorded (then the given one). */
  claim(fingerprint: string): Promise<string>;
}

const OWNER = 'meta';
const KEY = 'secret-key-fingerprint';

/** The record in the one LMDB environment (`meta/settings`), read and written once at start. */
export function lmdbKeyFingerprint(storage: Storage): KeyFingerprintRecord {
  return {
    async claim(fingerprint) {
      const view = storage.open(OWNER);
      try {
        const db = view.openDB<string, string>('settings', { encoding: 'json' });
        // ifNoExists: two processes starting on one environment record one fingerprint, the first's.
        await db.ifNoExists(KEY, () => db.put(KEY, fingerprint));
        return db.get(KEY) ?? fingerprint;
      } finally {
        await view.close();
      }
    },
  };
}

/**
 * Stops the start when this store's secrets were sealed under another key. `where` names the store
 * for the message (a data directory, a database).
 */
export async function requireKeyFingerprint(
  record: KeyFingerprintRecord,
  fingerprint: string,
  where: string,
): Promise<void> {
  const recorded = await record.claim(fingerprint);
  if (recorded === fingerprint) return;
  throw new GatewayError(
    'E_CONFIG',
    `the secrets in ${where} were sealed with key ${recorded}, but this node loaded key ${fingerprint}: ` +
      'every node of one store must load the same POSTBODE_SECRET_KEY (or key file); ' +
      'start with the key that was used before',
  );
}
