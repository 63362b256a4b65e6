import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDirectMxTransport, systemResolver } from '../../../src/transports/smtp/direct-mx.js';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import {
  enqueueMail,
  planByDomain,
  silent,
  startDelivery,
  statusOf,
  type Harness,
} from '../../helpers/delivery-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * Direct MX delivery follows what a recipient domain's DNS says; a domain whose mail hosts
 * point inside the network (any tenant can send to it) gets a bounce that says so, without
 * a connection. The sink on 127.0.0.1 stands for the inside.
 */
describe('direct MX: mail hosts inside the network are refused', () => {
  let sink: Sink;
  let dns: DnsTestServer;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({
      'inside.test': { MX: [{ exchange: 'mx.inside.test', priority: 10 }] },
      'mx.inside.test': { A: ['127.0.0.1'] },
      'mapped.test': { MX: [{ exchange: 'mx.mapped.test', priority: 10 }] },
      'mx.mapped.test': { AAAA: ['::ffff:7f00:1'] },
      'mixed.test': {
        MX: [
          { exchange: 'mx1.mixed.test', priority: 10 },
          { exchange: 'mx2.mixed.test', priority: 20 },
        ],
      },
      'mx1.mixed.test': { A: ['10.20.30.40'] },
      'mx2.mixed.test': { A: ['127.0.0.1'] },
    });
  });
  afterAll(async () => {
    await Promise.all([sink.close(), dns.close()]);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function harness(allow: string[]): Harness {
    const resolver = systemResolver(dns.address);
    const transport = createDirectMxTransport({
      port: sink.port,
      resolver,
      heloName: 'postbode.test',
      logger: silent,
      connectTimeoutMs: 500,
      sendTimeoutMs: 1_000,
      guard: createTargetGuard({ allow, resolver }),
    });
    const h = startDelivery(transport, { plan: planByDomain(), retryDelayMs: 60_000 });
    cleanups.push(async () => {
      await h.delivery.stop(1_000);
      await transport.close();
    });
    return h;
  }

  it(
    'bounces mail for a domain whose MX, MX address in mapped form, or address literal points inward, without ' +
      'connecting',
    async () => {
      const h = harness([]);
      const before = sink.stats.connections;
      const message = await enqueueMail(h.queue, 'billing@sender.test', [
        'a@inside.test',
        'b@mapped.test',
        'c@[127.0.0.1]',
      ]);
      h.delivery.notify();
      for (const address of ['a@inside.test', 'b@mapped.test', 'c@[127.0.0.1]']) {
        await waitFor(
          () => statusOf(h.queue, message.id, address)?.status === 'bounced',
          5_000,
          `bounce of ${address}`,
        );
      }
      expect(statusOf(h.queue, message.id, 'a@inside.test')!.history.at(-1)!.reply).toBe(
        '550 5.4.4 The mail hosts of inside.test are not on the public internet (mx.inside.test[127.0.0.1] is ' +
          'loopback); not connecting',
      );
      expect(statusOf(h.queue, message.id, 'b@mapped.test')!.history.at(-1)!.reply).toMatch(
        /^550 5\.4\.4 .*is loopback/,
      );
      expect(statusOf(h.queue, message.id, 'c@[127.0.0.1]')!.history.at(-1)!.reply).toMatch(/^550 5\.4\.4 /);
      expect(sink.stats.connections).toBe(before);
    },
  );

  it('skips an inward MX and delivers to one the operator allowed, never trying the refused one', async () => {
    const h = harness(['127.0.0.0/8']);
    const message = await enqueueMail(h.queue, 'billing@sender.test', ['a@mixed.test']);
    h.delivery.notify();
    await waitFor(() => statusOf(h.queue, message.id, 'a@mixed.test')?.status === 'delivered', 5_000, 'delivery');
    // 10.20.30.40 was never tried: a try would have taken the connect timeout and named it as the next hop
    expect(statusOf(h.queue, message.id, 'a@mixed.test')!.history.map((x) => x.nextHop)).toEqual([
      `mx2.mixed.test[127.0.0.1]:${sink.port}`,
    ]);
  });
});
