import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/gateway-error.js';
import { isLmdbCommitFailure, isStorageFull, toStorageError } from '../../src/store/storage-errors.js';
import { expectNothingFor } from '../helpers/wait-for.js';

function errnoError(message: string, code: string | number): Error {
  return Object.assign(new Error(message), { code });
}

/** What lmdb-js 3.5.6 rejects a failed batch's writes with (seen on a full tmpfs). */
function lmdbCommitFailure(cause: Error | undefined): Error {
  const commitError = new Promise((_, reject) => {
    if (cause) reject(cause);
  });
  return Object.assign(new Error('Commit failed (see commitError for details)'), { commitError });
}

describe('isStorageFull', () => {
  it('recognises full disks, quotas, LMDB map full and the EIO a full filesystem gives', () => {
    expect(isStorageFull(errnoError('No space left on device', 'ENOSPC'))).toBe(true);
    expect(isStorageFull(errnoError('whatever', 28))).toBe(true);
    expect(isStorageFull(errnoError('Input/output error', 5))).toBe(true);
    expect(isStorageFull(new Error('MDB_MAP_FULL: Environment mapsize limit reached'))).toBe(true);
    expect(isStorageFull(errnoError('Disk quota exceeded', 'EDQUOT'))).toBe(true);
  });

  it('does not call other failures full', () => {
    expect(isStorageFull(errnoError('Permission denied', 'EACCES'))).toBe(false);
    expect(isStorageFull(new Error('Database is closed'))).toBe(false);
    expect(isStorageFull('ENOSPC')).toBe(false);
    expect(isStorageFull(undefined)).toBe(false);
  });
});

describe('toStorageError', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  afterEach(() => {
    expect(unhandled).toEqual([]);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('reads the real cause from lmdb commitError and handles that promise', async () => {
    const err = await toStorageError(lmdbCommitFailure(errnoError('Input/output error', 5)), 'enqueue');
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('E_STORAGE_FULL');
    expect(err.message).toContain('Input/output error');
    await expectNothingFor(20, () => unhandled.length === 0, 'no unhandled rejection'); // give Node a chance to report
  });

  it('maps any other write failure to E_STORAGE', async () => {
    expect((await toStorageError(lmdbCommitFailure(errnoError('Permission denied', 13)), 'x')).code).toBe('E_STORAGE');
    expect((await toStorageError(new Error('Database is closed'), 'x')).code).toBe('E_STORAGE');
  });

  it('does not wait forever when commitError never settles', async () => {
    const err = await toStorageError(lmdbCommitFailure(undefined), 'record');
    expect(err.code).toBe('E_STORAGE');
    expect(err.message).toContain('Commit failed');
  });

  it('passes GatewayErrors through and spots lmdb commit failures', async () => {
    const original = new GatewayError('E_STORAGE_FULL', 'full');
    expect(await toStorageError(original, 'x')).toBe(original);
    const failure = lmdbCommitFailure(undefined);
    expect(isLmdbCommitFailure(failure)).toBe(true);
    expect(isLmdbCommitFailure(new Error('other'))).toBe(false);
  });
});
