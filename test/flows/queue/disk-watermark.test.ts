import { statfs, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { PLATFORM } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * The free-space watermark on a real 24 MB tmpfs (needs root for mount): with less than
 * queue.minFreeBytes free, MAIL FROM and DATA (submission and MX) answer 452 4.3.1 for every
 * tenant, /readyz is 503 and the gauges say so; freeing space brings it all back by itself.
 */
const MIN_FREE = 8 * 1024 * 1024;
let base: string;
let disk: Tmpfs;
let sink: Sink;
let gw: Gateway | undefined;
const ballast = (): string => join(disk.path, 'ballast');

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'postbode-watermark-'));
  disk = mountTmpfs(join(base, 'data'), '24m');
  sink = await startSink();
  if (disk.error) return;
  const store = openTenantStore(storageAt(disk.path));
  await addTenant(store, { name: 'Acme BV', allowedIps: ['127.0.0.1'] });
  await addTenant(store, { name: 'Other BV', allowedIps: ['127.0.0.2'] });
  await store.close();
  const config = testConfig(disk.path, sink.port, {
    smtp: { requireVerifiedSender: false },
    queue: { minFreeBytes: MIN_FREE },
    platform: PLATFORM,
  });
  gw = await startGateway(config, pino({ level: 'silent' }), Date.now, { POSTBODE_SECRET_KEY: 'cd'.repeat(32) });
});

afterAll(async () => {
  await gw?.stop(2000);
  await sink.close();
  disk.unmount();
  await rm(base, { recursive: true, force: true });
});

async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${gw!.httpPort}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${gw!.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** Leaves `left` bytes free on the tmpfs with one plain file outside every LMDB environment. */
async function fillTo(left: number): Promise<void> {
  const s = await statfs(disk.path);
  await writeFile(ballast(), Buffer.alloc(Math.max(0, s.bavail * s.bsize - left)));
}

async function mailFrom(port: number, from: string, localAddress = '127.0.0.1'): Promise<string> {
  const { client } = await RawSmtp.open(port, { localAddress });
  try {
    await client.expect('EHLO client.test', 250);
    return (await client.command(`MAIL FROM:<${from}>`)).last;
  } finally {
    client.close();
  }
}

describe('the free-space watermark', () => {
  it('refuses new mail with 452 4.3.1 below queue.minFreeBytes, ' +
    'says so on /readyz and /metrics, and recovers', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a tmpfs (mount failed: ${disk.error})`);
    expect(await readyz()).toEqual({ status: 200, body: { ready: true } });
    expect(await metric('postbode_disk_below_watermark')).toBe(0);
    expect(await metric('postbode_disk_free_bytes')).toBeGreaterThan(MIN_FREE);

    // A transaction that passed MAIL FROM before the disk filled is refused at the end of DATA.
    const { client: open } = await RawSmtp.open(gw!.smtpPort);
    await open.expect('EHLO client.test', 250);
    await open.expect('MAIL FROM:<billing@acme.test>', 250);
    await open.expect('RCPT TO:<client@customer.test>', 250);

    await fillTo(MIN_FREE - 1024 * 1024);
    const notReady = await waitFor(
      async () => {
        const r = await readyz();
        return r.status === 503 ? r : undefined;
      },
      8_000,
      '/readyz 503',
    );
    expect(notReady.body).toMatchObject({ ready: false, reason: 'disk_below_watermark', minFreeBytes: MIN_FREE });
    expect(notReady.body.freeBytes).toBeLessThan(MIN_FREE);
    expect(await metric('postbode_disk_below_watermark')).toBe(1);
    expect(await metric('postbode_disk_free_bytes')).toBeLessThan(MIN_FREE);

    await open.expect('DATA', 354);
    open.write('Subject: late\r\n\r\nfilled meanwhile\r\n.\r\n');
    expect((await open.reply()).last).toMatch(/^452 4\.3\.1 /);
    open.close();
    // Every tenant, and the inbound MX, get the same answer: nobody writes past the watermark.
    expect(await mailFrom(gw!.smtpPort, 'billing@acme.test')).toMatch(/^452 4\.3\.1 /);
    expect(await mailFrom(gw!.smtpPort, 'info@other.test', '127.0.0.2')).toMatch(/^452 4\.3\.1 /);
    expect(await mailFrom(gw!.mxPort!, 'mailer-daemon@customer.test')).toMatch(/^452 4\.3\.1 /);

    await rm(ballast());
    await waitFor(async () => ((await readyz()).status === 200 ? true : undefined), 8_000, '/readyz 200');
    expect(await metric('postbode_disk_below_watermark')).toBe(0);
    const { client } = await RawSmtp.open(gw!.smtpPort);
    const sent = await client.send(
      'billing@acme.test',
      ['client@customer.test'],
      'Subject: after\r\n\r\nspace is back\r\n',
    );
    client.close();
    expect(sent.last).toMatch(/^250 /);
    await waitFor(
      () => (sink.messages.some((m) => m.raw.includes('space is back')) ? true : undefined),
      8_000,
      'delivery',
    );
    expect(sink.messages.some((m) => m.raw.includes('filled meanwhile'))).toBe(false);
  }, 30_000);
});
