import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Envelope, RecipientResult, RelayHop, Transport } from '../../../src/core/types.js';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { tenantHopFactory } from '../../../src/transports/smtp/tenant-hop.js';
import { createRelayTransport, type HopProblem } from '../../../src/transports/smtp/tenant-smtp.js';
import { silent } from '../../helpers/delivery-harness.js';
import { startSink, type Sink, type SinkOptions } from '../../helpers/sink.js';
import { cleanupAfterEach } from '../../helpers/cleanups.js';
import { replyMatching } from '../../helpers/smtp-replies.js';

/**
 * Tenants' own servers over the one SMTP client, as delivery reaches them: the relay transport
 * keyed by each tenant's hop, the target guard, and the rule that a password goes out only
 * over TLS unless the tenant allowed plain text.
 */
const cleanups = cleanupAfterEach();

let pems: { private: string; cert: string };
beforeAll(async () => {
  pems = await generate([{ name: 'commonName', value: 'mail.acme.test' }], { keySize: 2048 });
});

async function sink(options: SinkOptions): Promise<Sink> {
  const s = await startSink({ recordCommands: true, ...options });
  cleanups.push(() => s.close());
  return s;
}

interface Relay {
  readonly transport: Transport;
  readonly failures: Array<[owner: string, problem: HopProblem]>;
  readonly ok: string[];
}

function relay(): Relay {
  const failures: Relay['failures'] = [];
  const ok: string[] = [];
  const noDns = {
    resolve4: () => Promise.reject(new Error('no DNS here')),
    resolve6: () => Promise.reject(new Error('no DNS here')),
  };
  const transport = createRelayTransport({
    create: tenantHopFactory({
      logger: silent,
      connectTimeoutMs: 1_000,
      sendTimeoutMs: 3_000,
      heloName: 'postbode.test',
      guard: createTargetGuard({ allow: ['127.0.0.0/8'], resolver: noDns }),
    }),
    logger: silent,
    onHopFailure: (owner, problem) => {
      failures.push([owner, problem]);
    },
    onHopOk: (owner) => {
      ok.push(owner);
    },
  });
  cleanups.push(() => transport.close());
  return { transport, failures, ok };
}

const mail = Buffer.from('Subject: Invoice 42\r\n\r\nPlease pay.\r\n');

async function send(r: Relay, owner: string, hop: RelayHop): Promise<RecipientResult> {
  const envelope: Envelope = { from: `billing@${owner}.test`, to: ['customer@dest.test'] };
  const result = await r.transport.send(envelope, mail, {
    kind: 'relay',
    key: `${owner}:${hop.user ?? ''}:${hop.pass ?? ''}`,
    owner,
    hop,
  });
  return result.recipients[0]!;
}

describe("tenant's own server over the SMTP client", () => {
  it(
    'logs in with AUTH LOGIN after STARTTLS when the server takes only LOGIN; another tenant guessing the ' +
      'password gets its own connection and a deferral',
    async () => {
      const s = await sink({
        tls: { key: pems.private, cert: pems.cert },
        auth: { user: 'acme', pass: 'right' },
        server: { authMethods: ['LOGIN'] },
      });
      const r = relay();
      const hop = { host: '127.0.0.1', port: s.port, tls: 'starttls', rejectUnauthorized: false } as const;

      expect(await send(r, 'acme', { ...hop, user: 'acme', pass: 'right' })).toMatchObject({
        outcome: 'delivered',
        reply: replyMatching(/^250 /),
      });
      expect(s.messages[0]).toMatchObject({ secure: true, envelope: { from: 'billing@acme.test' } });
      expect(s.commands.filter((c) => c.startsWith('AUTH'))).toEqual(['AUTH LOGIN']);

      const guessed = await send(r, 'mallory', { ...hop, user: 'acme', pass: 'guess' });
      expect(guessed).toMatchObject({ outcome: 'deferred', reply: replyMatching(/^535 /) });
      expect(s.messages).toHaveLength(1);
      expect(s.stats.connections).toBe(2);
      expect(r.failures).toEqual([['mallory', 'auth-failed']]);

      // the first tenant's pooled, logged-in connection carries its next message, and only its
      expect((await send(r, 'acme', { ...hop, user: 'acme', pass: 'right' })).outcome).toBe('delivered');
      expect(s.stats.connections).toBe(2);
      expect(s.messages.map((m) => m.envelope.from)).toEqual(['billing@acme.test', 'billing@acme.test']);
      expect(r.ok).toEqual(['acme', 'acme']);
    },
  );

  it('withholds the password from a server without TLS unless the tenant allowed plain text', async () => {
    const s = await sink({ auth: { user: 'acme', pass: 'right' }, server: { authMethods: ['LOGIN'] } });
    const r = relay();
    const hop = {
      host: '127.0.0.1',
      port: s.port,
      tls: 'opportunistic',
      rejectUnauthorized: true,
      user: 'acme',
      pass: 'right',
    } as const;

    expect(await send(r, 'careful', hop)).toMatchObject({
      outcome: 'deferred',
      reply: replyMatching(/server offers no TLS; login not sent/),
    });
    expect(s.commands.some((c) => c.startsWith('AUTH'))).toBe(false);
    expect(r.failures).toEqual([['careful', 'no-tls-for-login']]);

    expect(await send(r, 'relaxed', { ...hop, allowPlaintextAuth: true })).toMatchObject({ outcome: 'delivered' });
    expect(s.commands.filter((c) => c.startsWith('AUTH'))).toEqual(['AUTH LOGIN']);
    expect(s.messages.map((m) => m.envelope.from)).toEqual(['billing@relaxed.test']);
  });
});
