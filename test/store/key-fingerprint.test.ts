import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lmdbKeyFingerprint,
  requireKeyFingerprint,
  type KeyFingerprintRecord,
} from '../../src/store/key-fingerprint.js';
import { loadMigrations, migrate } from '../../src/store/postgres/migrate.js';
import { pgKeyFingerprint } from '../../src/store/postgres/pg-key-fingerprint.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storageAt } from '../helpers/temp-storage.js';

/** The same promise on both backends: the first key's fingerprint is kept; another key is refused. */
interface Backend {
  /** Two nodes on one store. */
  readonly nodes: () => Promise<[KeyFingerprintRecord, KeyFingerprintRecord]>;
  readonly cleanup: () => Promise<void>;
}

let cluster: TestPostgres;
let base: string;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  cluster = await startPostgres();
  base = await mkdtemp(join(tmpdir(), 'postbode-keyfp-'));
});
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
  await cluster?.stop();
  await rm(base, { recursive: true, force: true });
});

const backends: Record<string, () => Promise<Backend>> = {
  LMDB: async () => {
    const dir = await mkdtemp(join(base, 'lmdb-'));
    // Each claim as a starting process makes it: the storage opened, the record claimed, the storage closed.
    const node: KeyFingerprintRecord = { claim: (fp) => lmdbKeyFingerprint(storageAt(dir)).claim(fp) };
    return { nodes: async () => [node, node], cleanup: async () => undefined };
  },
  PostgreSQL: async () => {
    const url = await cluster.freshDatabase();
    const pools = [openPgPool(url), openPgPool(url)] as const;
    await migrate(pools[0], await loadMigrations());
    return {
      nodes: async () => [pgKeyFingerprint(pools[0]), pgKeyFingerprint(pools[1])],
      cleanup: async () => {
        await Promise.all(pools.map((p) => p.end()));
      },
    };
  },
};

for (const [name, open] of Object.entries(backends)) {
  describe(`the secret key fingerprint on ${name}`, () => {
    it('is recorded by the first node; a node with the same key starts, one with another key is refused', async () => {
      const backend = await open();
      cleanups.push(backend.cleanup);
      const [a, b] = await backend.nodes();
      await requireKeyFingerprint(a, 'aaaa1111', 'the store');
      await requireKeyFingerprint(b, 'aaaa1111', 'the store');
      await expect(requireKeyFingerprint(b, 'bbbb2222', 'the store')).rejects.toMatchObject({
        code: 'E_CONFIG',
        message: expect.stringMatching(/sealed with key aaaa1111, but this node loaded key bbbb2222/),
      });
    });

    it('keeps one fingerprint when two nodes with different keys start at the same moment', async () => {
      const backend = await open();
      cleanups.push(backend.cleanup);
      const [a, b] = await backend.nodes();
      const claimed = await Promise.all([a.claim('aaaa1111'), b.claim('bbbb2222')]);
      expect(claimed[0]).toBe(claimed[1]);
      expect(['aaaa1111', 'bbbb2222']).toContain(claimed[0]);
    });
  });
}
