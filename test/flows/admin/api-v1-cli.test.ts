import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../src/admin/audit/audit-log.js';
import { envAdminToken } from '../../../src/admin/auth/admin-token.js';
import { createAuthenticator } from '../../../src/admin/auth/authenticator.js';
import { openTokenStore } from '../../../src/admin/auth/token-store.js';
import { runCli } from '../../../src/admin/cli/program.js';
import { newQueueId } from '../../../src/core/ids.js';
import { openQueue } from '../../../src/queue/lmdb-queue.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { replyOf } from '../../helpers/smtp-replies.js';
import { storageAt } from '../../helpers/temp-storage.js';

/** The CLI in-process, over the same stores the gateway and the API use. */
async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([...args, '--config', configFile], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: {},
    cwd: dir,
  });
  return { code, out, err };
}

const field = (output: string, name: string): string =>
  new RegExp(`^\\s*${name}:\\s*(\\S+)`, 'm').exec(output)?.[1] ?? '';

let dir: string;
let configFile: string;
let tenantId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-api-cli-'));
  configFile = join(dir, 'postbode.yaml');
  await writeFile(configFile, 'dataDir: data\n');
  const tenants = openTenantStore(storageAt(join(dir, 'data')));
  tenantId = (await addTenant(tenants, { name: 'Acme' })).tenant.id;
  await tenants.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function authenticate(token: string) {
  const tokens = openTokenStore(storageAt(join(dir, 'data')));
  const tenants = openTenantStore(storageAt(join(dir, 'data')));
  try {
    const auth = createAuthenticator({
      tokens,
      tenants,
      envAdmin: envAdminToken(undefined),
      clock: Date.now,
      logger: pino({ level: 'silent' }),
    });
    return (await auth(token))?.principal;
  } finally {
    await Promise.all([tokens.close(), tenants.close()]);
  }
}

describe('postbode token', () => {
  it('creates a tenant token and an admin token, each printed once and accepted by the API', async () => {
    const tenantRun = await cli(['token', 'create', '--tenant', tenantId]);
    expect(tenantRun.err).toBe('');
    expect(tenantRun.code).toBe(0);
    const token = field(tenantRun.out, 'token');
    expect(token).toMatch(/^pb_/);
    expect(await authenticate(token)).toEqual({ kind: 'tenant', tenantId, tokenId: field(tenantRun.out, 'id') });

    const adminRun = await cli(['token', 'create', '--admin', '--expires-at', '2999-01-01T00:00:00Z']);
    expect(adminRun.code).toBe(0);
    expect(adminRun.out).toContain('expires:  2999-01-01T00:00:00.000Z');
    expect(await authenticate(field(adminRun.out, 'token'))).toEqual({ kind: 'admin' });
  });

  it.each<[string[], RegExp]>([
    [['token', 'create'], /exactly one of --tenant <id> and --admin/],
    [['token', 'create', '--admin', '--tenant', '01JD4T8X9M2C5V7B3N6K0QWERT'], /exactly one of/],
    [['token', 'create', '--tenant', '01JD4T8X9M2C5V7B3N6K0QWERT'], /no tenant 01JD4T8X9M2C5V7B3N6K0QWERT/],
    [['token', 'create', '--admin', '--expires-at', '2001-01-01'], /must be in the future/],
    [['token', 'create', '--admin', '--expires-at', 'soon'], /not a date/],
    [['token', 'revoke', '01JD4T8X9M2C5V7B3N6K0QWERT'], /no API token/],
  ])('%j fails with a clear message', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(message);
    expect(run.out).toBe('');
  });

  it('revokes a token, and audits CLI changes as actor cli (no secrets)', async () => {
    const made = await cli(['token', 'create', '--tenant', tenantId]);
    const id = field(made.out, 'id');
    const revoked = await cli(['token', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(await authenticate(field(made.out, 'token'))).toBeUndefined();
    const audit = openAuditLog(storageAt(join(dir, 'data')));
    try {
      const { entries } = await audit.list({ limit: 10, tenantId });
      expect(entries.slice(0, 2).map((e) => [e.actor, e.route, e.targetId])).toEqual([
        ['cli', 'token revoke', id],
        ['cli', 'token create', id],
      ]);
      expect(JSON.stringify(entries)).not.toContain(field(made.out, 'token'));
    } finally {
      await audit.close();
    }
  });
});

describe('postbode queue', () => {
  it('lists the message log and retries a message', async () => {
    const queue = openQueue({
      storage: storageAt(join(dir, 'data')),
      retry: { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 3_600_000, jitter: 0 },
      logger: pino({ level: 'silent' }),
    });
    const id = newQueueId();
    try {
      const now = Date.now();
      await queue.enqueue(
        {
          id,
          tenantId,
          kind: 'mail',
          envelope: { from: 'a@acme.test', to: ['b@example.com'] },
          receivedAt: now,
          client: { address: '127.0.0.1', helo: 'x' },
          messageId: '<m@x>',
          subject: 'Factuur 42',
        },
        Buffer.from('Subject: Factuur 42\r\n\r\nx\r\n'),
      );
      await queue.record(
        id,
        [{ address: 'b@example.com', outcome: 'deferred', reply: replyOf('451 4.3.0 try later') }],
        now,
      );
    } finally {
      await queue.close();
    }
    const list = await cli(['queue', 'list', '--tenant', tenantId]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${id}\\s+${tenantId}\\s+\\S+\\s+deferred:1\\s+Factuur 42$`, 'm'));
    expect((await cli(['queue', 'list', '--status', 'delivered'])).out).not.toContain(id);
    expect((await cli(['queue', 'list', '--status', 'nonsense'])).err).toMatch(/--status must be one of/);

    const retry = await cli(['queue', 'retry', id]);
    expect(retry.err).toBe('');
    expect(retry.out).toContain(`Message ${id}:`);
    const reopened = openQueue({
      storage: storageAt(join(dir, 'data')),
      retry: { initialDelayMs: 1, maxDelayMs: 1, maxAgeMs: 1, jitter: 0 },
      logger: pino({ level: 'silent' }),
    });
    try {
      expect(reopened.get(id)?.recipients[0]?.nextAttemptAt).toBeLessThanOrEqual(Date.now());
    } finally {
      await reopened.close();
    }
    expect((await cli(['queue', 'retry', '01JD4T8X9M2C5V7B3N6K0QWERT'])).code).toBe(1);
  });
});
