import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMxStores, openMxStores, type MxStores } from '../../src/feedback/mx-stores.js';
import { withReplyData } from '../../src/receive/mx/mx-tenant-data.js';
import { createSentIndex, referencedIds } from '../../src/feedback/sent-index.js';
import { createSuppressionStore } from '../../src/feedback/suppression-store.js';
import { storageAt } from '../helpers/temp-storage.js';

let dir: string;
let stores: MxStores;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-sent-'));
  stores = openMxStores(storageAt(dir));
});
afterAll(async () => {
  await closeMxStores(stores);
  await rm(dir, { recursive: true, force: true });
});

describe('sent index', () => {
  it("finds a tenant's Message-ID case-insensitively, never another tenant's, and purges by age", async () => {
    const index = createSentIndex(stores, pino({ level: 'silent' }));
    index.record('t1', '<A@x.test>', 'Q1', 1000);
    index.record('t1', '<b@x.test>', 'Q2', 5000);
    await stores.root.flushed;
    index.record('t1', '<a@x.test>', 'Q9', 6000); // a retry of the same id keeps the first entry
    await stores.root.flushed;
    expect(await index.find('t1', ['<nope@x.test>', 'a@X.TEST'])).toBe('Q1');
    expect(await index.find('t2', ['<a@x.test>'])).toBeUndefined();
    expect(await index.purgeCompleted(2000)).toBe(1);
    expect(await index.find('t1', ['<a@x.test>'])).toBeUndefined();
    expect(await index.find('t1', ['<b@x.test>'])).toBe('Q2');
  });

  it('reads In-Reply-To first, then References newest first, at most 20 ids', () => {
    const headers = new Map([
      ['in-reply-to', '<r@x>'],
      ['references', `<1@x> <2@x> ${Array.from({ length: 30 }, (_, i) => `<n${i}@x>`).join(' ')}`],
    ]);
    const ids = referencedIds(headers);
    expect(ids[0]).toBe('<r@x>');
    expect(ids[1]).toBe('<n29@x>');
    expect(ids).toHaveLength(20);
  });
});

describe('MX tenant data', () => {
  it(
    "the purge forgets a tenant's reply target and sent Message-IDs with its suppressions, nothing of another " +
      'tenant',
    async () => {
      const data = withReplyData(createSuppressionStore(stores), stores);
      const index = createSentIndex(stores, pino({ level: 'silent' }));
      index.record('GONE', '<g@x.test>', 'Q1', 10);
      index.record('KEPT', '<k@x.test>', 'Q2', 10);
      await stores.replyTargets.put('GONE', { address: 'office@gone.test', sends: [] });
      await stores.root.flushed;
      expect([...data.tenantIds()]).toContain('GONE');
      expect(await data.removeTenant('GONE')).toBe(2);
      expect(stores.replyTargets.get('GONE')).toBeUndefined();
      expect(await index.find('GONE', ['<g@x.test>'])).toBeUndefined();
      expect(await index.find('KEPT', ['<k@x.test>'])).toBe('Q2');
    },
  );
});
