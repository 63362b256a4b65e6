import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTenantStore } from '../../../src/tenants/lmdb-tenant-store.js';
import { addTenant } from '../../../src/tenants/tenant-service.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { spawnGateway, type GatewayProcess } from '../../helpers/gateway-process.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { directDeliveryEnv, loopbackMxZone, processEnv } from '../../helpers/process-env.js';
import { storageAt } from '../../helpers/temp-storage.js';

const ADMIN_TOKEN = 'crash-partial-admin-token-0123456789-abcdefghij';

interface Creds {
  readonly user: string;
  readonly pass: string;
}
interface RecipientView {
  readonly address: string;
  readonly status: string;
  readonly attempts: number;
}

/**
 * A message to several domains is delivered to each in its own transaction (direct MX). When
 * the process dies while one domain stalls, the recipients whose 250 already came back must
 * not get the message again after the restart: only the unfinished ones are sent.
 */
describe('kill -9 while one recipient domain stalls', () => {
  let dataDir: string;
  let sink: Sink;
  let dns: DnsTestServer;
  let tenantA: Creds;
  let tenantB: Creds;
  let stallSlow = true;
  let stalled = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'postbode-crash-partial-'));
    dns = await startDnsServer(loopbackMxZone(['fast1.test', 'fast2.test', 'slow.test']));
    sink = await startSink({
      // The slow domain takes the whole body and then never answers, until the first process is gone.
      onData: async (_raw, session) => {
        if (!stallSlow || !session.envelope.rcptTo.some((r) => r.address.endsWith('@slow.test'))) return;
        stalled++;
        await new Promise(() => undefined);
      },
    });
    const store = openTenantStore(storageAt(dataDir));
    const a = await addTenant(store, { name: 'Stall A BV' });
    const b = await addTenant(store, { name: 'Stall B BV' });
    await store.close();
    tenantA = { user: a.tenant.smtpUsername, pass: a.password };
    tenantB = { user: b.tenant.smtpUsername, pass: b.password };
  });
  afterAll(async () => {
    await Promise.all([sink.close(), dns.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => ({
    ...processEnv(dataDir, 'crash.postbode.test'),
    ...directDeliveryEnv(sink.port, dns.address),
    POSTBODE_ADMIN_TOKEN: ADMIN_TOKEN,
  });

  async function send(gw: GatewayProcess, creds: Creds, to: string[], subject: string): Promise<string> {
    const client = createTransport({
      host: '127.0.0.1',
      port: gw.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: creds,
    });
    try {
      const info = await client.sendMail({ from: 'billing@acme.test', to, subject, text: `${subject}\n` });
      const id = /queued as (\S+)/.exec(String(info.response))?.[1];
      if (!id) throw new Error(`no queue id in ${String(info.response)}`);
      return id;
    } finally {
      client.close();
    }
  }

  /** The message's recipients from the API; undefined while the API asks us to slow down (waitFor polls fast). */
  async function recipients(gw: GatewayProcess, id: string): Promise<RecipientView[] | undefined> {
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1/messages/${id}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    if (res.status === 429) return undefined;
    if (res.status !== 200) throw new Error(`GET message ${id}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { message: { recipients: RecipientView[] } }).message.recipients;
  }

  const copiesTo = (address: string): number => sink.messages.filter((m) => m.envelope.to.includes(address)).length;

  it('sends only the unfinished recipients again after the restart, and counts the replayed messages', async () => {
    const first = await spawnGateway(env());
    const m1 = await send(first, tenantA, ['a@fast1.test', 'b@fast2.test', 'c@slow.test'], 'Factuur A');
    const m2 = await send(first, tenantB, ['d@fast1.test', 'e@slow.test'], 'Factuur B');

    await waitFor(
      () =>
        stalled === 2 && ['a@fast1.test', 'b@fast2.test', 'd@fast1.test'].every((a) => copiesTo(a) === 1)
          ? true
          : undefined,
      15_000,
      'the fast domains delivered and the slow one stalled',
    );
    // The 250s are in: each must be on record while the slow domain still holds its transaction.
    const recorded = async (id: string, addresses: string[]): Promise<true | undefined> => {
      const rs = await recipients(first, id);
      return rs && addresses.every((a) => rs.find((r) => r.address === a)?.status === 'delivered') ? true : undefined;
    };
    await waitFor(
      () => recorded(m1, ['a@fast1.test', 'b@fast2.test']),
      5_000,
      'the 250s of message A on record before the kill',
    );
    await waitFor(() => recorded(m2, ['d@fast1.test']), 5_000, 'the 250 of message B on record before the kill');
    first.child.kill('SIGKILL');
    await first.exited();

    stallSlow = false;
    const second = await spawnGateway(env());
    try {
      const done = async (id: string): Promise<true | undefined> =>
        (await recipients(second, id))?.every((r) => r.status === 'delivered') ? true : undefined;
      await waitFor(() => done(m1), 15_000, 'message A complete after the restart');
      await waitFor(() => done(m2), 15_000, 'message B complete after the restart');
      const copies = Object.fromEntries(
        ['a@fast1.test', 'b@fast2.test', 'c@slow.test', 'd@fast1.test', 'e@slow.test'].map((a) => [a, copiesTo(a)]),
      );
      expect(copies).toEqual({
        'a@fast1.test': 1,
        'b@fast2.test': 1,
        'c@slow.test': 1,
        'd@fast1.test': 1,
        'e@slow.test': 1,
      });
      // A recipient's attempts say the same: one each for the fast ones, the slow ones were tried once (by the second
      // process).
      const final = await waitFor(() => recipients(second, m1), 5_000, 'message A from the API');
      expect(final.map((r) => [r.address, r.attempts])).toEqual([
        ['a@fast1.test', 1],
        ['b@fast2.test', 1],
        ['c@slow.test', 1],
      ]);

      const opened = second.lines<{ msg: string }>().find((l) => l.msg === 'queue opened');
      expect(opened).toMatchObject({ replayed: 2 });
      const metrics = await (await fetch(`http://127.0.0.1:${second.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/^postbode_queue_replayed_total 2$/m);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited();
    }

    // After a clean stop nothing was in flight: the next start replays nothing.
    const third = await spawnGateway(env());
    try {
      const listening = third.lines<{ msg: string }>().find((l) => l.msg === 'postbode listening');
      expect(listening).toMatchObject({ replayed: 0 });
    } finally {
      third.child.kill('SIGTERM');
      await third.exited();
    }
  }, 90_000);
});
