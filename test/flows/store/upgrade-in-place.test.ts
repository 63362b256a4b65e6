import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newQueueId } from '../../../src/core/ids.js';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { openQueue } from '../../../src/queue/lmdb-queue.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { openSenderSettingsStore } from '../../../src/tenants/sender-settings-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import { legacyStorage } from '../../helpers/legacy-storage.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * An operator upgrades a data directory written by a version with one LMDB environment per store:
 * the first start copies each into the one environment and renames the old folder `.migrated`;
 * the tenant, its settings and its queued mail are all there; the next start copies nothing.
 */
const ADMIN = 'upgrade-admin-token-0123456789abcdefghijklmnopqrstu';
const retry = { initialDelayMs: 200, maxDelayMs: 1000, maxAgeMs: 60_000, jitter: 0 };
const ENV = { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'cd'.repeat(32) };
let dataDir: string;
let sink: Sink;
let legacy: { tenantId: string; user: string; pass: string; queueId: string };

async function writeLegacyDataDir(): Promise<void> {
  const old = legacyStorage(dataDir);
  const tenants = openTenantStore(old);
  const { tenant, password } = await addTenant(tenants, { name: 'Acme BV' });
  await tenants.close();
  const sender = openSenderSettingsStore(old);
  await sender.update(tenant.id, (current) => ({ ...current, displayName: 'Acme Facturen' }));
  await sender.close();
  const queue = openQueue({ storage: old, retry, logger: pino({ level: 'silent' }) });
  const queueId = newQueueId();
  const body =
    'From: billing@acme.test\r\nTo: client@customer.test\r\nSubject: queued before the upgrade\r\n\r\nhi\r\n';
  await queue.enqueue(
    {
      id: queueId,
      tenantId: tenant.id,
      kind: 'mail',
      envelope: { from: 'billing@acme.test', to: ['client@customer.test'] },
      receivedAt: Date.now(),
      client: { address: '127.0.0.1', helo: 'invoicing' },
      messageId: '<before-upgrade@acme.test>',
    },
    Buffer.from(body),
  );
  await queue.close();
  legacy = { tenantId: tenant.id, user: tenant.smtpUsername, pass: password, queueId };
}

async function start(lines: string[]): Promise<Gateway> {
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  return startGateway(testConfig(dataDir, sink.port), logger, Date.now, ENV);
}

async function authenticates(port: number): Promise<boolean> {
  const { client } = await RawSmtp.open(port);
  try {
    await client.expect('EHLO client.test', 250);
    await client.startTls();
    await client.expect('EHLO client.test', 250);
    const plain = Buffer.from(`\0${legacy.user}\0${legacy.pass}`).toString('base64');
    return (await client.command(`AUTH PLAIN ${plain}`)).code === 235;
  } finally {
    client.close();
  }
}

const migrated = (lines: string[]): string[] => lines.filter((l) => l.includes('copied a storage folder'));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postbode-upgrade-'));
  sink = await startSink();
  await writeLegacyDataDir();
});
afterAll(async () => {
  await sink.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('upgrading a data directory laid out one environment per store', () => {
  it('copies every store in at the first start, keeps the old folders, and copies nothing the next time', async () => {
    expect((await readdir(dataDir)).sort()).toEqual(['config', 'queue', 'queue-archive', 'sender']);
    const first: string[] = [];
    let gw = await start(first);
    try {
      expect(migrated(first)).toHaveLength(3);
      expect((await readdir(dataDir)).filter((n) => n.endsWith('.migrated')).sort()).toEqual([
        'config.migrated',
        'queue.migrated',
        'sender.migrated',
      ]);
      expect(existsSync(join(dataDir, 'queue'))).toBe(false);
      expect(await authenticates(gw.smtpPort)).toBe(true);
      const delivered = await waitFor(
        () => sink.messages.find((m) => m.raw.toString('latin1').includes('queued before the upgrade')),
        10_000,
        'the message queued before the upgrade at the sink',
      );
      expect(delivered.envelope.to).toEqual(['client@customer.test']);
      const settings = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1/tenants/${legacy.tenantId}/sender`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(settings.status).toBe(200);
      expect(await settings.json()).toMatchObject({ displayName: 'Acme Facturen' });
    } finally {
      await gw.stop(2000);
    }

    const second: string[] = [];
    gw = await start(second);
    try {
      expect(migrated(second)).toEqual([]);
      expect(await authenticates(gw.smtpPort)).toBe(true);
    } finally {
      await gw.stop(2000);
    }
  }, 30_000);
});
