import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOLD_RULES } from '../../src/pipeline/review/hold-rules.js';
import { PEPPOL_DEFAULTS } from '../../src/tenants/peppol/peppol-settings.js';
import { storageAt } from '../helpers/temp-storage.js';
import { contentOn, openTenantSettingsStores, type TenantSettingsStores } from './tenant-settings-stores.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const CHILD_TIMEOUT_MS = 20_000;

/**
 * A second worker process on the same LMDB environment: it puts t1's documents and removes t2's in
 * every per-tenant settings database, straight through TenantDocuments, then exits.
 */
const childSource = `
import { pino } from 'pino';
import { openStorage } from './src/store/storage.ts';
import { openTenantDocuments } from './src/store/tenant-documents.ts';
const storage = openStorage({ dataDir: process.env.DATA_DIR, logger: pino({ level: 'silent' }) });
const docs = JSON.parse(process.env.DOCS);
for (const [owner, name, doc] of docs) {
  const store = openTenantDocuments(storage, owner, name);
  await store.put('t1', doc);
  await store.remove('t2');
  await store.close();
}
await storage.close();
`;

/** Runs the child to its end; rejects with its stderr when it fails or outlives the timeout. */
function writeInOtherProcess(dataDir: string, docs: [string, string, unknown][]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childSource], {
    cwd: repoRoot,
    env: { ...process.env, DATA_DIR: dataDir, DOCS: JSON.stringify(docs) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done();
      else fail(new Error(`the writer ended with ${String(code ?? signal)}: ${stderr}`));
    });
  });
}

let dir: string;
let stores: TenantSettingsStores | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-read-through-'));
});
afterEach(async () => {
  await stores?.close();
  stores = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('per-tenant settings on LMDB are read through, never mirrored in the process', () => {
  it('shows what another process wrote and removed in the same environment, without reopening', async () => {
    const open = await openTenantSettingsStores(storageAt(dir));
    stores = open;
    // t2 has settings everywhere, and every store has been read once (a mirror would now be warm).
    await open.limits.set('t2', { messagesPerHour: 1 });
    await open.content.put('t2', contentOn(1));
    await open.holdRules.put('t2', { ...DEFAULT_HOLD_RULES, documentTypes: ['reminder'] });
    await open.alerts.settings.put('t2', { mode: 'off', deferredAfterHours: null });
    await open.peppol.put('t2', { ...PEPPOL_DEFAULTS, enabled: true });
    for (const id of ['t1', 't2']) {
      open.limits.get(id);
      open.peppol.get(id);
    }

    await writeInOtherProcess(dir, [
      ['limits', 'limits', { messagesPerHour: 9 }],
      ['content', 'content-settings', contentOn(2)],
      ['review', 'hold-rules', { ...DEFAULT_HOLD_RULES, documentTypes: ['credit-note'] }],
      ['bounce-alerts', 'settings', { mode: 'daily', deferredAfterHours: 12 }],
      ['peppol', 'settings', { ...PEPPOL_DEFAULTS, enabled: true, updatedAt: 2 }],
    ]);

    expect(open.limits.get('t1')).toEqual({ messagesPerHour: 9 });
    expect(Object.isFrozen(open.limits.get('t1'))).toBe(true);
    expect(open.content.get('t1')?.updatedAt).toBe(2);
    expect(open.holdRules.get('t1').documentTypes).toEqual(['credit-note']);
    expect(open.alerts.settingsOf('t1')).toEqual({ mode: 'daily', deferredAfterHours: 12 });
    expect(open.peppol.get('t1')).toMatchObject({ enabled: true, updatedAt: 2 });
    expect(Object.isFrozen(open.peppol.get('t1'))).toBe(true);

    expect(open.limits.get('t2')).toEqual({});
    expect(open.content.get('t2')).toBeUndefined();
    expect(open.holdRules.get('t2')).toEqual(DEFAULT_HOLD_RULES);
    expect(open.alerts.settingsOf('t2').mode).toBe('immediate');
    expect(open.peppol.get('t2')).toBe(PEPPOL_DEFAULTS);
    expect([...open.limits.tenantIds()]).toEqual(['t1']);
    expect([...open.peppol.tenantIds()]).toEqual(['t1']);
  }, 30_000);
});
