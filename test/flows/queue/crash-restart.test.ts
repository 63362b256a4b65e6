import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { spawnGateway, type GatewayProcess } from '../../helpers/gateway-process.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { processEnv } from '../../helpers/process-env.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * The promise of the queue: every message that got a 250 arrives, even when the gateway is
 * killed with SIGKILL in the middle of a stream of mail and started again.
 */
describe('kill -9 mid-stream, restart', () => {
  let dataDir: string;
  let sink: Sink;
  let creds: { user: string; pass: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'postbode-crash-'));
    sink = await startSink();
    const store = openTenantStore(storageAt(dataDir));
    const { tenant, password } = await addTenant(store, { name: 'Crash Test BV' });
    await store.close();
    creds = { user: tenant.smtpUsername, pass: password };
  });
  afterAll(async () => {
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    ...processEnv(dataDir, 'crash.postbode.test'),
    POSTBODE_DELIVERY__MODE: 'smarthost',
    POSTBODE_DELIVERY__SMARTHOST__HOST: '127.0.0.1',
    POSTBODE_DELIVERY__SMARTHOST__PORT: String(sink.port),
    POSTBODE_DELIVERY__SMARTHOST__TLS: 'none',
  });

  it('delivers every acknowledged message after a SIGKILL and a restart', async () => {
    const first: GatewayProcess = await spawnGateway(env());
    const client = createTransport({
      host: '127.0.0.1',
      port: first.smtpPort,
      pool: true,
      maxConnections: 8,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: creds.user, pass: creds.pass },
    });
    const acked = new Set<number>();
    const total = 300;
    let killed = false;
    const sends = Array.from({ length: total }, (_, seq) =>
      client
        .sendMail({
          from: 'billing@acme.test',
          to: `client${seq}@customer.test`,
          subject: `Factuur ${seq}`,
          headers: { 'X-Seq': String(seq) },
          text: `Invoice ${seq}\n`.repeat(200),
        })
        .then(
          (info) => {
            if (/^250 /.test(info.response)) acked.add(seq);
            if (acked.size >= 100 && !killed) {
              killed = true;
              first.child.kill('SIGKILL');
            }
          },
          () => undefined,
        ),
    );
    await Promise.all(sends);
    client.close();
    await first.exited();
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(100);
    expect(acked.size).toBeLessThan(total); // the kill did land mid-stream

    const second = await spawnGateway(env());
    try {
      const arrived = () =>
        new Set(sink.messages.map((m) => Number(/^X-Seq: (\d+)/im.exec(m.raw.toString('latin1'))?.[1])));
      // On a timeout the expect below names the missing messages.
      await waitFor(() => [...acked].every((s) => arrived().has(s)), 30_000, 'every acknowledged message', 100).catch(
        () => undefined,
      );
      const missing = [...acked].filter((s) => !arrived().has(s));
      expect(missing).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited();
    }
  }, 90_000);
});
