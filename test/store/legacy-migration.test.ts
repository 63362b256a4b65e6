import { existsSync, renameSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateLegacyEnvironments } from '../../src/store/legacy-migration.js';

/** What an older version's store may hold: msgpack records with shared structures, duplicate-sorted keys, raw bytes. */
const STRUCTURED = { encoding: 'msgpack', sharedStructuresKey: Symbol.for('structures') } as const;
const records = Array.from({ length: 50 }, (_, n) => ({ id: `m${n}`, tenantId: 't1', attempts: n, nested: { at: n } }));
const bytes = Buffer.from(Array.from({ length: 256 }, (_, n) => n));

let dir: string;
const lines: string[] = [];
const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
const target = () => ({ dataDir: dir, path: join(dir, 'db'), maxDbs: 128, logger });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-migrate-'));
  lines.length = 0;
  const old = open({ path: join(dir, 'queue'), maxDbs: 12 });
  const messages = old.openDB('messages', STRUCTURED);
  for (const r of records) await messages.put(r.id, r);
  const dups = old.openDB('by-tenant', { dupSort: true, encoding: 'msgpack' });
  for (const id of ['a', 'b', 'c']) await dups.put('t1', id);
  await old.openDB('bodies', { encoding: 'binary' }).put('m1', bytes);
  await old.close();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readBack(): Promise<{ messages: unknown[]; dups: unknown[]; body: Buffer | undefined }> {
  const db: RootDatabase = open({ path: join(dir, 'db'), maxDbs: 128 });
  try {
    const messages = db.openDB('queue/messages', STRUCTURED);
    return {
      messages: records.map((r) => messages.get(r.id)),
      dups: [...db.openDB('queue/by-tenant', { dupSort: true, encoding: 'msgpack' }).getValues('t1')],
      body: db.openDB<Buffer, string>('queue/bodies', { encoding: 'binary' }).get('m1'),
    };
  } finally {
    await db.close();
  }
}

describe('copying an older per-store environment into the one environment', () => {
  it('copies raw bytes: shared-structure records, every duplicate of a key, binary values', async () => {
    migrateLegacyEnvironments(target());
    expect(await readBack()).toEqual({ messages: records, dups: ['a', 'b', 'c'], body: bytes });
    expect(existsSync(join(dir, 'queue'))).toBe(false);
    expect(existsSync(join(dir, 'queue.migrated', 'data.mdb'))).toBe(true);
    const logged = lines.filter((l) => l.includes('copied a storage folder'));
    // 50 records, the msgpack shared structures (their own key in the same database), 3 duplicates, 1 body.
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ databases: 3, entries: 55 });
  });

  it('copies the same again after a crash between the commit and the rename, and only once after that', async () => {
    migrateLegacyEnvironments(target());
    renameSync(join(dir, 'queue.migrated'), join(dir, 'queue')); // as if the rename never happened
    migrateLegacyEnvironments(target());
    expect(await readBack()).toEqual({ messages: records, dups: ['a', 'b', 'c'], body: bytes });
    migrateLegacyEnvironments(target());
    expect(lines.filter((l) => l.includes('copied a storage folder'))).toHaveLength(2);
  });
});
