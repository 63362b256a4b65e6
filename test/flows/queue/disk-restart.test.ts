import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../../src/gateway.js';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { testConfig } from '../../helpers/gateway-harness.js';
import { RawSmtp } from '../../helpers/raw-smtp.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * A disk that fills up completely (something else wrote the last byte), with a different store
 * hitting the full disk first in each case: the queue (recording retries), the body archive
 * (completing delivered mail, its own environment), a settings store (an API write). The queue
 * and the settings share the one environment (`<dataDir>/db`). Each time the
 * failed handle is retired and the process stays up; a restart on the still-full disk starts
 * and answers 452 4.3.1; once space returns every acknowledged message arrives exactly once.
 * Real 16 MB tmpfs mounts (needs root; skipped with the reason where mount is refused).
 */
const ADMIN = 'disk-restart-admin-token-0123456789abcdefghijklmnop';
const ENV = { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'ef'.repeat(32) };
const warnings: string[] = [];
const onWarning = (w: Error): void => {
  warnings.push(`${(w as NodeJS.ErrnoException).code ?? ''} ${w.message}`);
};
let base: string;
let sink: Sink;
let accepting = false;
/** While set, the sink holds each message before answering (deliveries in flight while the disk fills). */
let hold: { count: number; release: () => void; gate: Promise<void> } | undefined;
let disk: Tmpfs | undefined;
let gw: Gateway | undefined;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'postbode-disk-restart-'));
  sink = await startSink({
    onRcpt: () => {
      if (!accepting) throw sinkReply(451, '4.3.0 try later');
    },
    onData: async () => {
      if (hold) {
        hold.count++;
        await hold.gate;
      }
    },
  });
  process.on('warning', onWarning);
});
afterEach(async () => {
  await gw?.stop(2000).catch(() => undefined);
  gw = undefined;
  disk?.unmount();
});
afterAll(async () => {
  process.off('warning', onWarning);
  await sink.close();
  await rm(base, { recursive: true, force: true });
});

async function start(dataDir: string, minFreeBytes: number): Promise<Gateway> {
  const config = testConfig(dataDir, sink.port, { smtp: { requireVerifiedSender: false }, queue: { minFreeBytes } });
  return startGateway(config, pino({ level: 'silent' }), Date.now, ENV);
}

/** Fills every free byte with a plain file outside the LMDB environments. */
async function fillDisk(path: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const s = await statfs(path);
    if (s.bavail === 0) return;
    await writeFile(join(path, `ballast-${i}`), Buffer.alloc(s.bavail * s.bsize)).catch(() => undefined);
  }
}

async function freeDisk(path: string): Promise<void> {
  for (let i = 0; i < 3; i++) await rm(join(path, `ballast-${i}`), { force: true });
}

async function send(port: number, seq: number): Promise<string> {
  const { client } = await RawSmtp.open(port);
  try {
    const body = `X-Seq: ${seq}\r\nSubject: invoice ${seq}\r\n\r\n${'invoice line\r\n'.repeat(4000)}`;
    return (await client.send('billing@acme.test', [`client${seq}@customer.test`], body)).last;
  } finally {
    client.close();
  }
}

/** The refusal a new message gets: at MAIL FROM (watermark) or at the end of DATA (the write failed). */
async function refusal(port: number): Promise<string> {
  const { client } = await RawSmtp.open(port);
  try {
    await client.expect('EHLO client.test', 250);
    const mail = await client.command('MAIL FROM:<billing@acme.test>');
    if (mail.code !== 250) return mail.last;
    await client.expect('RCPT TO:<late@customer.test>', 250);
    await client.expect('DATA', 354);
    client.write(`X-Seq: 999\r\nSubject: late\r\n\r\n${'x'.repeat(400_000)}\r\n.\r\n`);
    return (await client.reply()).last;
  } finally {
    client.close();
  }
}

async function readyz(g: Gateway): Promise<number> {
  return (await fetch(`http://127.0.0.1:${g.httpPort}/readyz`)).status;
}

function seqCounts(): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of sink.messages) {
    const seq = Number(/^X-Seq: (\d+)/im.exec(m.raw.toString('latin1'))?.[1]);
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  return counts;
}

const WATERMARK = 2 * 1024 * 1024;
const cases = [
  {
    // Without a watermark (0) new mail is what hits the full disk: the enqueue fails with 452.
    env: 'queue',
    dir: 'queue',
    envDir: 'db',
    minFree: 0,
    action: async (g: Gateway) => {
      expect(await refusal(g.smtpPort)).toMatch(/^452 4\.3\.1 /);
    },
  },
  {
    // Deliveries in flight when the disk fills: completing them writes the archive first.
    env: 'body archive',
    dir: 'queue-archive',
    envDir: 'queue-archive',
    minFree: WATERMARK,
    inFlightAtFill: true,
    before: async () => {
      let release = (): void => undefined;
      hold = {
        count: 0,
        release: () => release(),
        gate: new Promise<void>((r) => {
          release = r;
        }),
      };
      accepting = true;
      await waitFor(() => (hold!.count >= 6 ? true : undefined), 10_000, 'six deliveries held by the sink');
    },
    action: async () => {
      const h = hold;
      hold = undefined;
      h?.release();
    },
  },
  {
    env: 'tenant limits (settings)',
    dir: 'limits',
    envDir: 'db',
    minFree: WATERMARK,
    action: async (g: Gateway, tenantId: string) => {
      const res = await fetch(`http://127.0.0.1:${g.httpPort}/api/v1/tenants/${tenantId}/limits`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messagesPerHour: 5000 + Math.floor(Math.random() * 1000), deliveryWeight: 3 }),
      });
      expect([200, 507]).toContain(res.status);
      if (res.status === 507) expect(await res.json()).toMatchObject({ error: 'insufficient_storage' });
    },
  },
];

describe('a gateway whose disk fills up completely', () => {
  for (const { env, dir, envDir, minFree, before, action, inFlightAtFill } of cases)
    it(`retires the failed ${env} handle, restarts on the full disk with 452, and delivers every acked message ` +
      '(twice only if sent while full)', async (ctx) => {
      sink.messages.length = 0;
      accepting = false;
      disk = mountTmpfs(join(base, dir), '16m');
      if (disk.error) ctx.skip(`needs root to mount a tmpfs (mount failed: ${disk.error})`);
      const dataDir = disk.path;
      const store = openTenantStore(storageAt(dataDir));
      const { tenant } = await addTenant(store, { name: 'Acme BV', allowedIps: ['127.0.0.1'] });
      await store.close();
      gw = await start(dataDir, minFree);
      const acked: number[] = [];
      for (let seq = 0; seq < 6; seq++) if ((await send(gw.smtpPort, seq)).startsWith('250 ')) acked.push(seq);
      expect(acked).toHaveLength(6);

      await before?.();
      await fillDisk(dataDir);
      const retired = warnings.length;
      const target = join(dataDir, envDir);
      await waitFor(
        async () => {
          await action(gw!, tenant.id);
          return warnings.slice(retired).some((w) => w.includes('POSTBODE_LMDB_REOPENED') && w.includes(`${target} `))
            ? true
            : undefined;
        },
        15_000,
        `a failed commit in ${dir}`,
      );
      await waitFor(
        async () => ((await refusal(gw!.smtpPort)).startsWith('452 4.3.1 ') ? true : undefined),
        8_000,
        '452 4.3.1',
      );

      // Restart on the still-full disk.
      await gw.stop(2000);
      gw = await start(dataDir, minFree);
      expect(await refusal(gw.smtpPort)).toMatch(/^452 4\.3\.1 /);
      if (minFree > 0) expect(await readyz(gw)).toBe(503);

      await freeDisk(dataDir);
      accepting = true;
      await waitFor(async () => ((await readyz(gw!)) === 200 ? true : undefined), 8_000, '/readyz 200');
      expect(await send(gw.smtpPort, 100)).toMatch(/^250 /);
      acked.push(100);
      await waitFor(
        () => (acked.every((s) => seqCounts().has(s)) ? true : undefined),
        15_000,
        'every acked message delivered',
      );
      // A late duplicate would arrive within a second (retries every 200 ms).
      await expectNothingFor(
        1_000,
        () => acked.every((s) => (seqCounts().get(s) ?? 0) <= 2),
        'a third copy of a message',
      );
      const counts = seqCounts();
      // A message the next hop took while the disk was full may have no recorded result: at least
      // once, so it may come twice. Nothing else may: no replay of what was recorded, no loss.
      const sentWhileFull = inFlightAtFill ? acked.slice(0, 6) : [];
      expect(acked.filter((s) => (counts.get(s) ?? 0) < 1 || (counts.get(s) ?? 0) > 2)).toEqual([]);
      expect(acked.filter((s) => counts.get(s) !== 1 && !sentWhileFull.includes(s))).toEqual([]);
    }, 60_000);
});
