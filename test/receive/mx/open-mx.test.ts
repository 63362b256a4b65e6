import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { noMetrics } from '../../../src/core/metrics.js';
import { openMx, type MxOptions } from '../../../src/receive/mx/open-mx.js';
import { storageAt } from '../../helpers/temp-storage.js';

/** When the listener is off; the suppression store is open either way (API and delivery use it). */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-openmx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(raw: Record<string, unknown>): MxOptions {
  const unused = (): never => {
    throw new Error('not used while the listener is off');
  };
  return {
    storage: storageAt(dir),
    config: configSchema.parse({ dataDir: dir, ...raw }),
    deriveKey: () => Buffer.alloc(32),
    tls: { key: Buffer.alloc(0), cert: Buffer.alloc(0) },
    queue: new Proxy({}, { get: unused }) as MxOptions['queue'],
    tenants: new Proxy({}, { get: unused }) as MxOptions['tenants'],
    settings: { get: unused, localPartOwner: unused },
    confirmationFrom: 'bounces@p.test',
    metrics: noMetrics,
    logger: pino({ level: 'silent' }),
    clock: Date.now,
    onQueued: unused,
  };
}

describe('openMx', () => {
  it.each([
    ['without platform.sendingDomain', {}],
    ['with mx.enabled false', { platform: { sendingDomain: 'send.p.test' }, mx: { enabled: false } }],
  ])('does not listen %s, and still keeps the suppression list', async (_what, raw) => {
    const mx = await openMx(options(raw));
    expect(await mx.start()).toBeUndefined();
    expect((await mx.suppressions.add('t1', 'a@b.test', 'x', 1)).address).toBe('a@b.test');
    await mx.close();
  });
});
