import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpPool } from '../../../src/transports/smtp/client/pool.js';
import { systemResolver } from '../../../src/transports/smtp/mx-resolver.js';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { startDnsServer, type DnsTestServer } from '../../helpers/dns-server.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * DNS rebinding: a tenant's name answers with a public address when checked, then with
 * 127.0.0.1. The connection must go to the address that was checked. The injected dial
 * records where the client connects and stands in for the public host (it connects to the
 * local sink), so no packet ever goes to the public address.
 */
const PUBLIC = '93.184.216.34';

describe('egress pinning against DNS rebinding', () => {
  let sink: Sink;
  let dns: DnsTestServer;

  beforeAll(async () => {
    sink = await startSink();
    dns = await startDnsServer({ 'mail.rebind.test': { A: [PUBLIC] } });
  });
  afterAll(async () => {
    await Promise.all([sink.close(), dns.close()]);
  });

  function pool(dialed: string[]): SmtpPool {
    const guard = createTargetGuard({ allow: [], resolver: systemResolver(dns.address) });
    const dial = (host: string, port: number): Socket => {
      dialed.push(`${host}:${port}`);
      // the attacker flips the record between the check and the connect
      dns.set('mail.rebind.test', { A: ['127.0.0.1'] });
      return connect(sink.port, '127.0.0.1');
    };
    return new SmtpPool({
      session: {
        endpoint: { host: 'mail.rebind.test', port: 2525, tls: { rejectUnauthorized: true } },
        security: 'none',
        heloName: 'postbode.test',
        connectTimeoutMs: 1_000,
        resolveTarget: (host) => guard.resolve(host),
        dial,
      },
      maxConnections: 1,
      sendTimeoutMs: 2_000,
      logger: pino({ level: 'silent' }),
      closeGraceMs: 100,
    });
  }

  it(
    'connects to the checked public address although the name ' +
      'now answers 127.0.0.1; the next connection is refused',
    async () => {
      const dialed: string[] = [];
      const first = pool(dialed);
      const answers = await first.send(
        { from: 'a@acme.test', to: ['b@dest.test'] },
        Buffer.from('Subject: x\r\n\r\nx\r\n'),
      );
      await first.close();
      expect(answers[0]).toMatchObject({ code: 250 });
      expect(dialed).toEqual([`${PUBLIC}:2525`]);
      expect(dns.queries.filter((q) => q === 'mail.rebind.test A')).toHaveLength(1);

      // a new connection checks again and meets the rebound answer: refused, nothing dialled
      const second = pool(dialed);
      const refused = await second.send(
        { from: 'a@acme.test', to: ['b@dest.test'] },
        Buffer.from('Subject: x\r\n\r\nx\r\n'),
      );
      await second.close();
      expect(refused[0]).toMatchObject({
        code: 'ETARGET',
        reason: 'loopback',
        message: expect.stringMatching(/mail\.rebind\.test resolves inside the network/),
      });
      expect(dialed).toHaveLength(1);
    },
  );
});
