import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAdminToken, envAdminToken } from '../../../src/admin/auth/admin-token.js';
import { createAuthenticator } from '../../../src/admin/auth/authenticator.js';
import { openTokenStore, type TokenStore } from '../../../src/admin/auth/token-store.js';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { LOG_REDACT_PATHS } from '../../../src/secrets/log-redact.js';
import { storageAt } from '../../helpers/temp-storage.js';

let dir: string;
let store: TokenStore;
let lines: string[];
/** As main.ts builds it: redaction of `token` & co. must not hide the one-time print. */
const logger = () =>
  pino(
    { level: 'info', redact: LOG_REDACT_PATHS },
    {
      write: (line: string) => {
        lines.push(line);
      },
    },
  );

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-admin-'));
  store = openTokenStore(storageAt(dir));
  lines = [];
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admin token bootstrap', () => {
  it('generates one at the first start, logs it once, and it authenticates as admin', async () => {
    await ensureAdminToken({ store, env: undefined, logger: logger(), clock: () => 5000 });
    expect(lines).toHaveLength(1);
    const token = /(pb_[0-9A-Z]{26}_[A-Za-z0-9_-]{43})/.exec(lines[0] ?? '')?.[1];
    expect(token).toBeDefined();
    await ensureAdminToken({ store, env: undefined, logger: logger(), clock: () => 6000 });
    expect(lines).toHaveLength(1);
    const auth = createAuthenticator({
      tokens: store,
      tenants: {
        byId: async () => undefined,
        bySmtpUsername: async () => undefined,
        byAllowedIp: async () => undefined,
      },
      envAdmin: undefined,
      clock: () => 7000,
      logger: logger(),
    });
    expect((await auth(token ?? ''))?.principal).toEqual({ kind: 'admin' });
  });

  it('generates nothing and logs nothing when POSTBODE_ADMIN_TOKEN is set', async () => {
    const env = envAdminToken('x'.repeat(40));
    await ensureAdminToken({ store, env, logger: logger(), clock: () => 5000 });
    expect(lines).toEqual([]);
    expect(await store.listForTenant('admin', 5)).toEqual([]);
  });

  it('refuses a short POSTBODE_ADMIN_TOKEN and treats an empty one as unset', () => {
    const err = (() => {
      try {
        envAdminToken('short');
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(isGatewayError(err, 'E_CONFIG')).toBe(true);
    expect(envAdminToken('')).toBeUndefined();
    expect(envAdminToken(undefined)).toBeUndefined();
  });
});
