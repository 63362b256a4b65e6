import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { laterId, openAppendLog } from '../../src/store/append-log.js';
import { storageAt } from '../helpers/temp-storage.js';
import { appendLogContract, type Note } from './append-log-contract.js';

// The LMDB implementation: two named databases in the one environment.
appendLogContract('LMDB (named databases in the one environment)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postbode-append-log-'));
  return {
    open: () =>
      openAppendLog<Note>(storageAt(dir), 'contract', {
        entries: 'notes',
        byScope: 'notes-by-scope',
        scopeOf: (entry) => entry.scope,
      }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('append log ids', () => {
  it('keep the order of entries appended in the same millisecond, and after the clock steps back', () => {
    let last: string | undefined;
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      last = laterId(i < 100 ? 5000 : 4000, last);
      ids.push(last);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(laterId(1000, 'ZZZZZZZZZZZZZZZZZZZZZZZZZY')).toBe('ZZZZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(laterId(0, '0000000000ZZZZZZZZZZZZZZZZ')).toBe('00000000010000000000000000');
  });
});
