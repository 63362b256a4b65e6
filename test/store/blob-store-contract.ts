import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/core/gateway-error.js';
import type { BlobStore } from '../../src/store/blob-store.js';

export interface BlobPlace {
  /** Opens the store at this place (again after close: what was stored is there). */
  open(): BlobStore;
  /** Fills the place's disk to the last byte and answers a function that frees it; undefined: skip. */
  fillDisk?(): Promise<(() => Promise<void>) | undefined>;
  /** Removes whatever the place left behind. */
  cleanup(): Promise<void>;
}

/** Every byte value, NUL included, a few times over. */
const everyByte = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));

/**
 * The contract of a blob store (store/blob-store.ts), for every engine: run it with
 * `blobStoreContract(name, openPlace)`. The place needs room for a 10 MB blob.
 */
export function blobStoreContract(name: string, openPlace: () => Promise<BlobPlace>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let place: BlobPlace;
    let blobs: BlobStore;
    beforeEach(async () => {
      place = await openPlace();
      blobs = place.open();
    });
    afterEach(async () => {
      await blobs.close();
      await place.cleanup();
    });

    it('gives back byte-identical bytes (binary, empty, 10 MB), also after a close and open', async () => {
      const big = randomBytes(10 * 1024 * 1024);
      expect(await blobs.put('binary', everyByte)).toBe(true);
      expect(await blobs.put('empty', Buffer.alloc(0))).toBe(true);
      expect(await blobs.put('big', big)).toBe(true);
      await blobs.close();
      blobs = place.open();
      expect(blobs.get('binary')?.equals(everyByte)).toBe(true);
      expect(blobs.get('empty')).toEqual(Buffer.alloc(0));
      expect(blobs.get('big')?.equals(big)).toBe(true);
      expect(blobs.peek('binary', (bytes) => bytes.subarray(0, 4).toString('hex'))).toBe('00010203');
    });

    it('stores the same id again idempotently, and keeps ids apart', async () => {
      expect(await blobs.put('a', Buffer.from('first'))).toBe(true);
      expect(await blobs.put('a', Buffer.from('first'))).toBe(true);
      expect(await blobs.put('ab', Buffer.from('other'))).toBe(true);
      expect(blobs.get('a')?.toString()).toBe('first');
      expect(blobs.get('ab')?.toString()).toBe('other');
    });

    it('answers undefined for a missing id, and does not call the reader', async () => {
      let called = false;
      expect(blobs.get('missing')).toBeUndefined();
      expect(
        blobs.peek('missing', () => {
          called = true;
        }),
      ).toBeUndefined();
      expect(called).toBe(false);
      await expect(blobs.remove(['missing'])).resolves.toBeUndefined();
    });

    it('removes the ids given, and only those, for good', async () => {
      for (const id of ['a', 'b', 'c']) await blobs.put(id, Buffer.from(id));
      await blobs.remove(['a', 'b', 'missing']);
      await blobs.remove([]);
      expect(blobs.get('a')).toBeUndefined();
      expect(blobs.get('b')).toBeUndefined();
      expect(blobs.get('c')?.toString()).toBe('c');
      await blobs.close();
      blobs = place.open();
      expect(blobs.get('a')).toBeUndefined();
      expect(blobs.get('c')?.toString()).toBe('c');
    });

    it('answers a closed store with GatewayError E_STORAGE on reads and false on writes, not a crash', async () => {
      await blobs.put('a', Buffer.from('a'));
      await blobs.close();
      const read = (fn: () => unknown) => {
        try {
          fn();
        } catch (err) {
          return err;
        }
        return undefined;
      };
      for (const err of [read(() => blobs.get('a')), read(() => blobs.peek('a', (b) => b.length))]) {
        expect(err).toBeInstanceOf(GatewayError);
        expect((err as GatewayError).code).toBe('E_STORAGE');
      }
      expect(await blobs.put('b', Buffer.from('b'))).toBe(false);
      await expect(blobs.remove(['a'])).resolves.toBeUndefined();
      await expect(blobs.close()).resolves.toBeUndefined();
    });

    it('answers false on a full disk, keeps what was stored before, and stores once space returns', async (ctx) => {
      expect(await blobs.put('before', everyByte)).toBe(true);
      const free = await place.fillDisk?.();
      if (free === undefined) ctx.skip('this place cannot fill its disk (a tmpfs needs root)');
      const big = randomBytes(2 * 1024 * 1024);
      expect(await blobs.put('during', big)).toBe(false);
      expect(blobs.get('before')?.equals(everyByte)).toBe(true);
      await free?.();
      await blobs.close();
      blobs = place.open();
      expect(blobs.get('before')?.equals(everyByte)).toBe(true);
      expect(await blobs.put('after', big)).toBe(true);
      expect(blobs.get('after')?.equals(big)).toBe(true);
    });
  });
}
