import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../../src/gateway.js';
import { testConfig } from '../../helpers/gateway-harness.js';

/**
 * A node started with another POSTBODE_SECRET_KEY than the one its data directory's secrets were
 * sealed with refuses to start and says why, instead of failing one secret at a time later.
 */
const silent = pino({ level: 'silent' });
const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postbode-keyfp-start-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('starting on a data directory sealed with another key', () => {
  it('refuses the other key with a plain reason, and starts again with the first one', async () => {
    const config = testConfig(dataDir, 9); // no delivery happens here
    const first = await startGateway(config, silent, Date.now, { POSTBODE_SECRET_KEY: KEY_A });
    await first.stop();

    await expect(startGateway(config, silent, Date.now, { POSTBODE_SECRET_KEY: KEY_B })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(/sealed with key [0-9a-f]{8}, but this node loaded key [0-9a-f]{8}/),
    });

    const again = await startGateway(config, silent, Date.now, { POSTBODE_SECRET_KEY: KEY_A });
    expect(again.smtpPort).toBeGreaterThan(0);
    await again.stop();
  });
});
