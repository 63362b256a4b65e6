import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TenantDocuments } from '../../src/store/tenant-documents.js';

interface Doc {
  readonly mode: string;
  readonly note?: string;
}

export interface DocumentsPlace {
  /**
   * Opens the documents at this place (again after close: what was committed is there). An engine
   * whose reads are served from a cache answers a promise: the cache is loaded at open.
   */
  open(): TenantDocuments<Doc> | Promise<TenantDocuments<Doc>>;
  /** Fills the place's disk to the last byte and answers a function that frees it; undefined: skip. */
  fillDisk?(): Promise<(() => Promise<void>) | undefined>;
  /** Removes whatever the place left behind. */
  cleanup(): Promise<void>;
}

/**
 * The contract of a per-tenant settings store (store/tenant-documents.ts), for every engine:
 * run it with `tenantDocumentsContract(name, openPlace)`.
 */
export function tenantDocumentsContract(
  name: string,
  openPlace: () => Promise<DocumentsPlace>,
  /** False for an engine whose storage is not a local filesystem (a database server): no disk-full case. */
  options: { readonly localDisk?: boolean } = {},
): void {
  describe(`TenantDocuments contract: ${name}`, () => {
    let place: DocumentsPlace;
    let docs: TenantDocuments<Doc>;
    beforeEach(async () => {
      place = await openPlace();
      docs = await place.open();
    });
    afterEach(async () => {
      await docs.close();
      await place.cleanup();
    });

    it('answers undefined for a tenant without a document, and the last document put for one with', async () => {
      expect(docs.get('t1')).toBeUndefined();
      await docs.put('t1', { mode: 'forwarding' });
      await docs.put('t1', { mode: 'own-smtp', note: 'second' });
      expect(docs.get('t1')).toEqual({ mode: 'own-smtp', note: 'second' });
    });

    it('update reads and replaces in one step: creates, changes, removes when the change says undefined', async () => {
      expect(await docs.update('t1', (cur) => (cur === undefined ? { mode: 'forwarding' } : cur))).toEqual({
        mode: 'forwarding',
      });
      expect(await docs.update('t1', (cur) => ({ mode: cur?.mode ?? '?', note: 'changed' }))).toEqual({
        mode: 'forwarding',
        note: 'changed',
      });
      expect(docs.get('t1')).toEqual({ mode: 'forwarding', note: 'changed' });
      expect(await docs.update('t1', () => undefined)).toBeUndefined();
      expect(docs.get('t1')).toBeUndefined();
      expect(await docs.update('t2', () => undefined)).toBeUndefined();
      expect([...docs.tenantIds()]).toEqual([]);
    });

    it('loses no update when two openers (processes, nodes) change one document at once', async () => {
      const other = await place.open();
      try {
        const bump = (d: Doc | undefined): Doc => ({ mode: 'count', note: String(Number(d?.note ?? '0') + 1) });
        await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? docs : other).update('t1', bump)));
        expect((await other.update('t1', (d) => d))?.note).toBe('20');
      } finally {
        await other.close();
      }
    });

    it('never shows one tenant the document of another, also for ids that share a prefix', async () => {
      await docs.put('t1', { mode: 'forwarding', note: 'of t1' });
      await docs.put('t10', { mode: 'gmail', note: 'of t10' });
      await docs.put('t1/x', { mode: 'own-address', note: 'of t1/x' });
      expect(docs.get('t1')).toEqual({ mode: 'forwarding', note: 'of t1' });
      expect(docs.get('t10')).toEqual({ mode: 'gmail', note: 'of t10' });
      expect(await docs.remove('t1')).toBe(true);
      expect(await docs.remove('t1')).toBe(false);
      expect(docs.get('t1')).toBeUndefined();
      expect(docs.get('t10')?.note).toBe('of t10');
      expect(docs.get('t1/x')?.note).toBe('of t1/x');
      expect([...docs.tenantIds()].sort()).toEqual(['t1/x', 't10']);
    });

    it('keeps what was committed across a close and open', async () => {
      await docs.put('t1', { mode: 'forwarding' });
      await docs.put('t2', { mode: 'gmail' });
      await docs.remove('t2');
      await docs.close();
      docs = await place.open();
      expect(docs.get('t1')).toEqual({ mode: 'forwarding' });
      expect(docs.get('t2')).toBeUndefined();
    });

    const whenFull =
      'leaves the last good document readable when a write fails (disk full), and writes once space returns';
    if (options.localDisk === false) return;
    it(whenFull, async (ctx) => {
      await docs.put('t1', { mode: 'forwarding', note: 'good' });
      const free = await place.fillDisk?.();
      if (free === undefined) ctx.skip('this place cannot fill its disk (a tmpfs needs root)');
      const big = { mode: 'own-smtp', note: 'x'.repeat(2 * 1024 * 1024) };
      await expect(docs.put('t1', big)).rejects.toBeDefined();
      expect(docs.get('t1')).toEqual({ mode: 'forwarding', note: 'good' });
      await free?.();
      await docs.put('t1', { mode: 'gmail', note: 'after' });
      await docs.close();
      docs = await place.open();
      expect(docs.get('t1')).toEqual({ mode: 'gmail', note: 'after' });
    });
  });
}
