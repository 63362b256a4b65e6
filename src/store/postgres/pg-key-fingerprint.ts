import type pg from 'pg';
import type { KeyFingerprintRecord } from '../key-fingerprint.js';
import { storageCall } from './pg-errors.js';

const KEY = 'secret-key-fingerprint';

/** The record as a row of `meta` (migration 003): the first node's insert wins, the others read it. */
export function pgKeyFingerprint(pool: pg.Pool): KeyFingerprintRecord {
  return {
    async claim(fingerprint) {
      return storageCall('recording the secret key fingerprint', async () => {
        // Two statements: the read must see a row another node committed while this insert waited for it.
        await pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
          KEY,
          fingerprint,
        ]);
        const { rows } = await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [KEY]);
        return rows[0]?.value ?? fingerprint;
      });
    },
  };
}
