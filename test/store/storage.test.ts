import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/store/storage.js';

const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-storage-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the one storage environment', () => {
  it('gives each owner its own databases under the same name, in one environment at <dataDir>/db', async () => {
    const storage = openStorage({ dataDir: dir, logger });
    const queue = storage.open('queue').openDB<string, string>('items', { encoding: 'msgpack' });
    const mx = storage.open('mx').openDB<string, string>({ name: 'items', encoding: 'msgpack' });
    await queue.put('k', 'of the queue');
    await mx.put('k', 'of the mx');
    expect([queue.get('k'), mx.get('k')]).toEqual(['of the queue', 'of the mx']);
    await storage.close();
    expect((await readdir(dir)).sort()).toEqual(['db']);
  });

  it("stays open until the opener and every store's view let go", async () => {
    const storage = openStorage({ dataDir: dir, logger });
    const view = storage.open('limits');
    const db = view.openDB<number, string>('n', { encoding: 'msgpack' });
    await storage.close();
    await db.put('a', 1); // the opener let go, the view still holds it
    await view.close();
    expect(() => db.get('a')).toThrow(/closed/);
  });

  it('closes with the last view when opened for one short command', async () => {
    const storage = openStorage({ dataDir: dir, logger, closeWithLastStore: true });
    const first = storage.open('tenants');
    const second = storage.open('sender');
    const db = second.openDB<number, string>('n', { encoding: 'msgpack' });
    await first.close();
    await db.put('a', 1);
    await second.close();
    expect(() => db.get('a')).toThrow(/closed/);
  });
});
