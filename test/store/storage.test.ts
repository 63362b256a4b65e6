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
  it('a second storage of the same folder in this process joins the open environment, until both let go', async () => {
    // Two lmdb handles of one environment in one process can deadlock: a sync write through one
    // waits for the write lock while the other's batch waits for its callbacks on the main thread.
    const gateway = openStorage({ dataDir: dir, logger });
    const command = openStorage({ dataDir: `${dir}/.`, logger, closeWithLastStore: true });
    const ours = gateway.open('queue');
    const theirs = command.open('tenants');
    expect((theirs as unknown as { env: unknown }).env).toBe((ours as unknown as { env: unknown }).env);
    const mine = ours.openDB<number, string>('n', { encoding: 'msgpack' });
    const other = theirs.openDB<number, string>('n', { encoding: 'msgpack' });
    const pending = ours.transaction(() => mine.putSync('a', 1));
    theirs.transactionSync(() => other.putSync('a', 2));
    await pending;
    await theirs.close(); // the command is done: the gateway's environment stays open
    await mine.put('b', 3);
    expect([mine.get('a'), mine.get('b')]).toEqual([1, 3]);
    await ours.close();
    await gateway.close();
    expect(() => mine.get('a')).toThrow(/closed/);
    // Opened again after the last let go: a fresh environment with what was written.
    const again = openStorage({ dataDir: dir, logger });
    expect(again.open('tenants').openDB<number, string>('n', { encoding: 'msgpack' }).get('a')).toBe(2);
    await again.close();
  });
});
