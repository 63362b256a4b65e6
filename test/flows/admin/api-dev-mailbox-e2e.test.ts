import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { openTenantStore, type TenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { waitFor } from '../../helpers/wait-for.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * The README's quick start in one test: the gateway on its dev defaults (capture mode), a
 * tenant created while it runs, one message sent with nodemailer, then found in the dev
 * mailbox over HTTP.
 */
let dataDir: string;
let gateway: Gateway;
let store: TenantStore;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postbode-dev-mailbox-'));
  const config = configSchema.parse({
    dataDir,
    log: { level: 'silent' },
    http: { host: '127.0.0.1', port: 0 },
    // A plain relay: the dev mailbox shows whatever the tenant sent (sender ownership: sender-guard.test.ts).
    smtp: {
      host: '127.0.0.1',
      port: 0,
      certFile: join(dataDir, 'server.crt'),
      keyFile: join(dataDir, 'server.key'),
      requireVerifiedSender: false,
    },
  });
  expect(config.delivery.mode).toBe('capture');
  gateway = await startGateway(config, pino({ level: 'silent' }));
  store = openTenantStore(storageAt(dataDir));
});

afterAll(async () => {
  await gateway?.stop(2000);
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function waitForList(match: RegExp): Promise<string> {
  return waitFor(
    async () => {
      const html = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/dev/mailbox`)).text();
      return match.test(html) ? html : undefined;
    },
    8_000,
    `${match} in the dev mailbox`,
  );
}

describe('dev mailbox end to end', () => {
  it('shows a message sent by a tenant that was created while the gateway ran', async () => {
    const { tenant, password } = await addTenant(store, { name: 'Acme' });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: gateway.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: tenant.smtpUsername, pass: password },
    });
    const info = await transport.sendMail({
      from: 'facturen@acme.example',
      to: 'klant@example.com',
      subject: 'Factuur <2024-001> – €',
      text: 'Dear customer',
    });
    transport.close();
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as /);

    const html = await waitForList(/Factuur &lt;2024-001&gt; – €/);
    const id = /href="\/dev\/mailbox\/([0-9A-Z]{26})"/.exec(html)?.[1];
    expect(id).toBeDefined();
    expect(html).toContain('klant@example.com');
    const raw = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/dev/mailbox/${id}/raw`)).text();
    expect(raw).toMatch(/^Received: /);
    expect(raw).toContain('Dear customer');
  });
});
