import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHostOf } from '../../../src/config/http-host.js';
import { configSchema } from '../../../src/config/schema.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';

/**
 * The dev mailbox shows every tenant's captured mail: in capture mode the HTTP listener binds
 * to loopback unless told otherwise, and when it is bound elsewhere the mailbox needs the
 * admin token, even for a caller on loopback (a reverse proxy on this machine is one).
 */
const ADMIN = 'dev-mailbox-admin-token-0123456789-abcdefghijkl';
let dataDir: string;
let gateway: Gateway;
let base: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postbode-mailbox-access-'));
  const config = configSchema.parse({
    dataDir,
    log: { level: 'silent' },
    http: { host: '0.0.0.0', port: 0 },
    smtp: { host: '127.0.0.1', port: 0, certFile: join(dataDir, 'server.crt'), keyFile: join(dataDir, 'server.key') },
  });
  gateway = await startGateway(config, pino({ level: 'silent' }), Date.now, { POSTBODE_ADMIN_TOKEN: ADMIN });
  base = `http://127.0.0.1:${gateway.httpPort}`;
});

afterAll(async () => {
  await gateway?.stop(2000);
  await rm(dataDir, { recursive: true, force: true });
});

async function tenantToken(): Promise<string> {
  const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const made = (await (
    await fetch(`${base}/api/v1/tenants`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Other' }) })
  ).json()) as { tenant: { id: string } };
  const tok = (await (
    await fetch(`${base}/api/v1/tenants/${made.tenant.id}/tokens`, { method: 'POST', headers: auth, body: '{}' })
  ).json()) as { token: string };
  return tok.token;
}

describe('dev mailbox access', () => {
  it('binds to loopback by default in capture mode, and every interface otherwise', () => {
    expect(httpHostOf(configSchema.parse({}))).toBe('127.0.0.1');
    expect(httpHostOf(configSchema.parse({ delivery: { mode: 'direct' } }))).toBe('0.0.0.0');
    expect(httpHostOf(configSchema.parse({ http: { host: '0.0.0.0' } }))).toBe('0.0.0.0');
  });

  it('needs the admin token when the listener is not bound to loopback', async () => {
    const anonymous = await fetch(`${base}/dev/mailbox`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: 'unauthorized' });
    expect((await fetch(`${base}/dev/mailbox/01JD0000000000000000000000/raw`)).status).toBe(401);
    expect((await fetch(`${base}/dev/mailbox`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);

    const tenant = await tenantToken();
    expect((await fetch(`${base}/dev/mailbox`, { headers: { authorization: `Bearer ${tenant}` } })).status).toBe(401);

    const admin = await fetch(`${base}/dev/mailbox`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('Dev mailbox');
  });
});
