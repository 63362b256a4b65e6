import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresBin } from './postgres.js';

describe('the PostgreSQL test cluster', () => {
  it('uses the newest installed version, and fails naming the package when there is none', async () => {
    const root = await mkdtemp(join(tmpdir(), 'postbode-pg-root-'));
    try {
      expect(() => postgresBin(root)).toThrow(/install the Debian package "postgresql"/);
      for (const version of ['9.6', '15', '13']) {
        await mkdir(join(root, version, 'bin'), { recursive: true });
        await writeFile(join(root, version, 'bin', 'initdb'), '');
      }
      await mkdir(join(root, '16'), { recursive: true }); // a client-only install: no initdb
      expect(postgresBin(root)).toBe(join(root, '15', 'bin'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
