import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { spawnGateway } from '../../helpers/gateway-process.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';
import { waitFor } from '../../helpers/wait-for.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * The whole gateway (main.ts, in a child process) with its data directory on a small real
 * tmpfs: when the disk fills, new mail gets 452 4.3.1, the process stays up, and every
 * message that got a 250 is still delivered once the next hop takes mail again.
 */
describe('a running gateway on a full disk', () => {
  let base: string;
  let dataDir: string;
  let disk: Tmpfs = { path: '', error: 'not mounted yet', unmount: () => undefined };
  let sink: Sink;
  let accepting = false;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'postbode-gwfull-'));
    dataDir = join(base, 'data');
    disk = mountTmpfs(dataDir, '12m');
    // The next hop defers everything until the test lets it accept: mail piles up in the queue.
    sink = await startSink({
      onRcpt: () => {
        if (!accepting) throw sinkReply(451, '4.3.0 try later');
      },
    });
  });
  afterAll(async () => {
    await sink.close();
    disk.unmount();
    await rm(base, { recursive: true, force: true });
  });

  it('answers 452 4.3.1 when full, stays up, and delivers every accepted message later', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a tmpfs (mount failed: ${disk.error})`);
    const store = openTenantStore(storageAt(dataDir));
    await addTenant(store, { name: 'Full Disk BV', allowedIps: ['127.0.0.1'] });
    await store.close();
    const gw = await spawnGateway({
      POSTBODE_DATA_DIR: dataDir,
      POSTBODE_SMTP__HOST: '127.0.0.1',
      POSTBODE_SMTP__PORT: '0',
      POSTBODE_SMTP__REQUIRE_VERIFIED_SENDER: 'false', // a plain relay
      POSTBODE_SMTP__CERT_FILE: join(base, 'server.crt'),
      POSTBODE_SMTP__KEY_FILE: join(base, 'server.key'),
      POSTBODE_HTTP__HOST: '127.0.0.1',
      POSTBODE_HTTP__PORT: '0',
      POSTBODE_DELIVERY__MODE: 'smarthost',
      POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
      POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
      POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
      // The watermark off: this test is about the write that fails when the disk really fills.
      POSTBODE_QUEUE__MIN_FREE_BYTES: '0',
      POSTBODE_QUEUE__RETRY__INITIAL_DELAY_MS: '300',
      POSTBODE_QUEUE__RETRY__MAX_DELAY_MS: '600',
      POSTBODE_QUEUE__RETRY__JITTER: '0',
    });
    try {
      const client = createTransport({ host: '127.0.0.1', port: gw.smtpPort, ignoreTLS: true });
      const acked: number[] = [];
      let full: { responseCode?: number; response?: string } | undefined;
      const attachment = Buffer.alloc(200_000, 'A');
      for (let seq = 0; seq < 200 && !full; seq++) {
        try {
          await client.sendMail({
            from: 'billing@acme.test',
            to: `client${seq}@customer.test`,
            subject: `Factuur ${seq}`,
            headers: { 'X-Seq': String(seq) },
            text: 'invoice',
            attachments: [{ filename: 'f.pdf', content: attachment }],
          });
          acked.push(seq);
        } catch (err) {
          full = err as { responseCode?: number; response?: string };
        }
      }
      client.close();
      expect(full?.responseCode).toBe(452);
      expect(full?.response).toMatch(/^452 4\.3\.1 /);
      expect(acked.length).toBeGreaterThan(5);
      expect(gw.child.exitCode).toBeNull();

      accepting = true;
      const arrived = () =>
        new Set(sink.messages.map((m) => Number(/^X-Seq: (\d+)/im.exec(m.raw.toString('latin1'))?.[1])));
      // On a timeout the expect below names the missing messages.
      await waitFor(() => acked.every((s) => arrived().has(s)), 40_000, 'every acknowledged message', 100).catch(
        () => undefined,
      );
      expect(acked.filter((s) => !arrived().has(s))).toEqual([]);
      expect(gw.child.exitCode).toBeNull();
    } finally {
      gw.child.kill('SIGTERM');
      await Promise.race([gw.exited(), new Promise((r) => setTimeout(r, 15_000))]);
      if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
    }
  }, 120_000);
});
