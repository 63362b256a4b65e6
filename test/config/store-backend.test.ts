import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { isGatewayError } from '../../src/core/gateway-error.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-store-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function loadError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig({ env, cwd: dir });
  } catch (err) {
    expect(isGatewayError(err, 'E_CONFIG')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('store.backend', () => {
  it('is lmdb by default: npm start needs no database', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.store).toEqual({
      backend: 'lmdb',
      nodeId: null,
      postgres: { url: null, poolSize: 10, leaseMs: 30_000 },
    });
  });

  it('postgres without a URL is refused, naming store.postgres.url', () => {
    const message = loadError({ POSTBODE_STORE__BACKEND: 'postgres' });
    expect(message).toContain('store.postgres.url');
    expect(message).toContain('required when store.backend is postgres');
  });

  it('takes the backend, URL, pool size and lease from the environment', () => {
    const config = loadConfig({
      env: {
        POSTBODE_STORE__BACKEND: 'postgres',
        POSTBODE_STORE__POSTGRES__URL: 'postgres://postbode:123@db.internal:5432/postbode',
        POSTBODE_STORE__POSTGRES__POOL_SIZE: '20',
        POSTBODE_STORE__POSTGRES__LEASE_MS: '5000',
        POSTBODE_STORE__NODE_ID: 'node-a',
      },
      cwd: dir,
    });
    expect(config.store).toEqual({
      backend: 'postgres',
      nodeId: 'node-a',
      postgres: { url: 'postgres://postbode:123@db.internal:5432/postbode', poolSize: 20, leaseMs: 5000 },
    });
  });

  it('refuses an unknown backend and a lease shorter than a second', () => {
    expect(loadError({ POSTBODE_STORE__BACKEND: 'sqlite' })).toContain('store.backend');
    const lease = loadError({
      POSTBODE_STORE__BACKEND: 'postgres',
      POSTBODE_STORE__POSTGRES__URL: 'postgres://localhost/x',
      POSTBODE_STORE__POSTGRES__LEASE_MS: '10',
    });
    expect(lease).toContain('store.postgres.leaseMs');
  });
});
