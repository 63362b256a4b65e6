import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envAdminToken } from '../../../src/admin/auth/admin-token.js';
import { createAuthenticator } from '../../../src/admin/auth/authenticator.js';
import { createAdminToken, createTenantToken } from '../../../src/admin/auth/token-service.js';
import { openTokenStore, type TokenStore } from '../../../src/admin/auth/token-store.js';
import type { Tenant, TenantDirectory } from '../../../src/core/types.js';
import { expectNothingFor } from '../../helpers/wait-for.js';
import { storageAt } from '../../helpers/temp-storage.js';

const TENANT = '01JD4T8X9M2C5V7B3N6K0QWER1';
const ENV_TOKEN = 'env-admin-token-0123456789-abcdefghijklmnop';

let dir: string;
let tokens: TokenStore;
let now: number;
const existing = new Set<string>([TENANT]);
const tenants: TenantDirectory = {
  byId: async (id) => (existing.has(id) ? ({ id } as Tenant) : undefined),
  bySmtpUsername: async () => undefined,
  byAllowedIp: async () => undefined,
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-authn-'));
  tokens = openTokenStore(storageAt(dir));
  now = 1_000_000;
  existing.add(TENANT);
});

afterEach(async () => {
  await tokens.close();
  await rm(dir, { recursive: true, force: true });
});

function authenticator(env?: string, touchEveryMs = 60_000) {
  return createAuthenticator({
    tokens,
    tenants,
    envAdmin: envAdminToken(env),
    clock: () => now,
    logger: pino({ level: 'silent' }),
    touchEveryMs,
  });
}

describe('bearer authentication', () => {
  it('accepts the env admin token and stored admin tokens as admin', async () => {
    const stored = await createAdminToken(tokens, { now });
    const auth = authenticator(ENV_TOKEN);
    expect(await auth(ENV_TOKEN)).toEqual({ principal: { kind: 'admin' }, rateKey: 'admin' });
    expect(await auth(stored.token)).toEqual({ principal: { kind: 'admin' }, rateKey: `token:${stored.id}` });
    expect(await auth(`${ENV_TOKEN}x`)).toBeUndefined();
  });

  it('gives a tenant token a principal scoped to its tenant', async () => {
    const t = await createTenantToken(tokens, TENANT, { now });
    expect((await authenticator()(t.token))?.principal).toEqual({ kind: 'tenant', tenantId: TENANT, tokenId: t.id });
  });

  it(
    'refuses a wrong secret, an unknown id, garbage, ' + 'an expired token, a revoked one and one whose tenant is gone',
    async () => {
      const auth = authenticator();
      const t = await createTenantToken(tokens, TENANT, { now, expiresAt: now + 1000 });
      const [, id, secret] = /^pb_([^_]+)_(.+)$/.exec(t.token) ?? [];
      expect(await auth(`pb_${id}_${secret?.slice(0, -1)}${secret?.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
      expect(await auth(`pb_01JD4T8X9M2C5V7B3N6K0QWER9_${secret}`)).toBeUndefined();
      expect(await auth('hunter2')).toBeUndefined();
      expect(await auth(t.token)).toBeDefined();
      now += 1000;
      expect(await auth(t.token)).toBeUndefined();

      const revoked = await createTenantToken(tokens, TENANT, { now });
      expect(await auth(revoked.token)).toBeDefined();
      await tokens.remove(revoked.id);
      expect(await auth(revoked.token)).toBeUndefined();

      const orphan = await createTenantToken(tokens, TENANT, { now });
      existing.delete(TENANT);
      expect(await auth(orphan.token)).toBeUndefined();
    },
  );

  it('records lastUsedAt, at most once per interval', async () => {
    const auth = authenticator(undefined, 5000);
    const t = await createTenantToken(tokens, TENANT, { now });
    await auth(t.token);
    await expect.poll(async () => (await tokens.get(t.id))?.lastUsedAt, { timeout: 2000 }).toBe(now);
    const first = now;
    now += 1000;
    await auth(t.token);
    await expectNothingFor(50, async () => (await tokens.get(t.id))?.lastUsedAt === first, 'lastUsedAt to stay');
    expect((await tokens.get(t.id))?.lastUsedAt).toBe(first);
    now += 5000;
    await auth(t.token);
    await expect.poll(async () => (await tokens.get(t.id))?.lastUsedAt, { timeout: 2000 }).toBe(now);
  });
});
