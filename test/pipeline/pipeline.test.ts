import { makeTenant } from '../helpers/inbound-harness.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Envelope, QueuedMessage, Route, Transport } from '../../src/core/types.js';
import { attemptMessage } from '../../src/delivery/attempt.js';
import { createDestinationSlots } from '../../src/delivery/destination-slots.js';
import { NEEDS_TEST_REPLY } from '../../src/tenants/own-smtp-hold.js';
import { chooseMode } from '../../src/pipeline/shared.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { platformRoutes } from '../../src/pipeline/routing.js';
import { accountantCopyId, queueAccountantCopy } from '../../src/pipeline/copies/sender-accountant.js';
import { NO_VERIFIED_DOMAINS } from '../../src/tenants/ownership/sender-domains.js';
import { DEFAULT_SENDER_SETTINGS, smtpSettingsHash, type SenderSettings } from '../../src/tenants/sender-settings.js';
import { createRelayTransport, hopProblem } from '../../src/transports/smtp/tenant-smtp.js';
import { explainReply } from '../../src/transports/smtp/tenant-smtp-test.js';
import { failureReply } from '../../src/transports/smtp/classify-error.js';
import { NO_TLS_FOR_AUTH } from '../../src/transports/smtp/client/handshake.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { replyOf } from '../helpers/smtp-replies.js';

const logger = pino({ level: 'silent' });
const body = Buffer.from(
  'From: billing@acme.test\r\nTo: a@x.test\r\nBcc: hidden@acme.test\r\nSubject: s\r\n\r\nbody\r\n',
);

async function queued(queue: MemoryQueue, to: string[], id = '01JD4T8X9M2C5V7B3N6K0QWERT'): Promise<QueuedMessage> {
  return queue.enqueue(
    {
      id,
      tenantId: 'T1',
      kind: 'mail',
      envelope: { from: 'billing@acme.test', to },
      receivedAt: 1_000,
      client: { address: '127.0.0.1', helo: 'h' },
      messageId: '<m@x>',
    },
    body,
  );
}

function recorder(sent: Array<{ envelope: Envelope; raw: Buffer; route: Route }>): Transport {
  return {
    name: 'rec',
    send: async (envelope, raw, route) => {
      sent.push({ envelope, raw, route });
      return {
        recipients: envelope.to.map((address) => ({
          address,
          outcome: 'delivered' as const,
          reply: replyOf('250 ok'),
        })),
      };
    },
    close: async () => undefined,
  };
}

function pipeline(
  settings: Partial<SenderSettings>,
  platform = { sendingDomain: 'send.test', bounceDomain: null, bounceLocalPart: 'bounces' },
) {
  return createPipeline({
    platform,
    routes: platformRoutes('smarthost'),
    logger,
    domains: NO_VERIFIED_DOMAINS,
    verpKey: Buffer.alloc(32, 3),
    tenants: {
      byId: async () => makeTenant({ id: 'T1', name: 'Acme', smtpUsername: 'acme', smtpPasswordHash: '' }),
      bySmtpUsername: async () => undefined,
      byAllowedIp: async () => undefined,
    },
    settings: { get: () => ({ ...DEFAULT_SENDER_SETTINGS, ...settings }) },
    openSecret: (sealed) => `opened:${sealed}`,
  });
}

describe('delivery plan through the pipeline', () => {
  it('sends each recipient its own VERP envelope and the rewritten bytes, without Bcc', async () => {
    const queue = new MemoryQueue();
    const message = await queued(queue, ['a@x.test', 'b@y.test']);
    const sent: Array<{ envelope: Envelope; raw: Buffer; route: Route }> = [];
    const results = await attemptMessage(
      {
        queue,
        logger,
        clock: () => 2_000,
        slots: createDestinationSlots(5),
        transportFor: () => recorder(sent),
        plan: pipeline({}),
      },
      message,
      2_000,
    );
    expect(results.map((r) => r.outcome)).toEqual(['delivered', 'delivered']);
    expect(sent.map((s) => s.envelope.to)).toEqual([['a@x.test'], ['b@y.test']]);
    expect(sent[0]!.envelope.from).toMatch(/^bounces\+01jd4t8x9m2c5v7b3n6k0qwert-0-[a-z2-7]{13}@send\.test$/);
    expect(sent[1]!.envelope.from).toMatch(/-1-[a-z2-7]{13}@send\.test$/);
    const raw = sent[0]!.raw.toString();
    expect(raw).toContain('From: "Acme" <acme@send.test>\r\n');
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(sent[1]!.raw.equals(sent[0]!.raw)).toBe(true);
  });

  it('a throwing plan defers every due recipient with a 451 and does not crash', async () => {
    const queue = new MemoryQueue();
    const message = await queued(queue, ['a@x.test', 'b@y.test']);
    const sent: Array<{ envelope: Envelope; raw: Buffer; route: Route }> = [];
    const results = await attemptMessage(
      {
        queue,
        logger,
        clock: () => 2_000,
        slots: createDestinationSlots(5),
        transportFor: () => recorder(sent),
        plan: async () => {
          throw new Error('secret store unreadable');
        },
      },
      message,
      2_000,
    );
    expect(sent).toEqual([]);
    expect(results).toEqual([
      { address: 'a@x.test', outcome: 'deferred', reply: expect.objectContaining({ code: 451, enhanced: '4.3.0' }) },
      { address: 'b@y.test', outcome: 'deferred', reply: expect.objectContaining({ code: 451, enhanced: '4.3.0' }) },
    ]);
  });

  it('own-smtp: one relay route with the opened password and the legacy envelope sender', async () => {
    const smtp = {
      host: 'mail.acme.test',
      port: 587,
      tls: 'starttls',
      rejectUnauthorized: true,
      user: 'u',
      passwordSealed: 'S',
    } as const;
    const untested = pipeline({ mode: 'own-smtp', smtp });
    const plan = pipeline({
      mode: 'own-smtp',
      smtp,
      lastTestSend: { at: 1, ok: true, summary: 'sent', settingsHash: smtpSettingsHash(smtp) },
    });
    const queue = new MemoryQueue();
    const held = await queued(queue, ['a@x.test']);
    await expect(untested(held, body, held.recipients)).rejects.toMatchObject({ reply: NEEDS_TEST_REPLY });
    const message = await queued(queue, ['a@x.test', 'b@y.test']);
    const [group, ...rest] = await plan(message, body, message.recipients);
    expect(rest).toEqual([]);
    expect(group!.envelope).toEqual({ from: 'billing@acme.test', to: ['a@x.test', 'b@y.test'] });
    expect(group!.route).toMatchObject({
      kind: 'relay',
      owner: 'T1',
      hop: { host: 'mail.acme.test', user: 'u', pass: 'opened:S' },
    });
    expect(group!.raw.toString()).toContain('From: billing@acme.test\r\n');
  });

  it('chooses modes: own-address needs a verified domain, gmail is not available', async () => {
    const base = { ...DEFAULT_SENDER_SETTINGS, ownAddress: 'f@acme.test' };
    expect(await chooseMode({ ...base, mode: 'own-address' }, 'T1', NO_VERIFIED_DOMAINS)).toMatchObject({
      mode: 'forwarding',
      note: expect.stringContaining('acme.test is not verified'),
    });
    expect(
      await chooseMode({ ...base, mode: 'own-address' }, 'T1', {
        isVerified: (d, t) => d === 'acme.test' && t === 'T1',
        ownerOf: () => undefined,
      }),
    ).toEqual({ mode: 'own-address' });
    expect(await chooseMode({ ...base, mode: 'gmail' }, 'T1', NO_VERIFIED_DOMAINS)).toMatchObject({
      mode: 'forwarding',
    });
  });
});

describe('accountant copy', () => {
  it('is queued once per message under a deterministic id, only for invoices with documents', async () => {
    const queue = new MemoryQueue();
    const invoice = Buffer.from(
      [
        'From: billing@acme.test',
        'To: jan@x.test',
        'Subject: Factuur 2024-0012',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Factuur',
        '--b',
        'Content-Type: application/pdf; name="f.pdf"',
        'Content-Disposition: attachment; filename="f.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('%PDF-1.4 test').toString('base64'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    const message = await queued(queue, ['jan@x.test']);
    const deps = { queue, hostname: 'gw.test', clock: () => 5_000 };
    const first = await queueAccountantCopy(deps, message, invoice, 'acct@x.test', { automatic: true });
    expect(first?.id).toBe(accountantCopyId(message.id));
    expect(first?.envelope.to).toEqual(['acct@x.test']);
    expect(await queueAccountantCopy(deps, message, invoice, 'acct@x.test', { automatic: true })).toBeUndefined();
    const other = await queued(queue, ['jan@x.test'], '01JD4T8X9M2C5V7B3N6K0QWERS');
    expect(await queueAccountantCopy(deps, other, body, 'acct@x.test', { automatic: true })).toBeUndefined();
  });
});

describe('tenant SMTP transport', () => {
  it('caches one transport per hop key, closes evicted ones, and reports hop failures as deferrals', async () => {
    const closed: string[] = [];
    const failures: string[] = [];
    const relay = createRelayTransport({
      logger,
      maxEntries: 1,
      create: (hop) => ({
        name: hop.host,
        send: async (env) => ({
          recipients: env.to.map((address) => ({
            address,
            outcome: 'bounced' as const,
            reply: replyOf(hop.host === 'bad' ? '535 5.7.8 Authentication failed' : '550 no such user'),
          })),
        }),
        close: async () => {
          closed.push(hop.host);
        },
      }),
      onHopFailure: (owner, problem) => failures.push(`${owner}:${problem}`),
    });
    const route = (key: string, host: string): Route => ({
      kind: 'relay',
      key,
      owner: 'T1',
      hop: { host, port: 25, tls: 'starttls', rejectUnauthorized: true },
    });
    const bad = await relay.send({ from: 'a@b.test', to: ['x@y.test'] }, body, route('k1', 'bad'));
    expect(bad.recipients[0]).toMatchObject({ outcome: 'deferred' });
    expect(failures).toEqual(['T1:auth-failed']);
    const good = await relay.send({ from: 'a@b.test', to: ['x@y.test'] }, body, route('k2', 'good'));
    expect(good.recipients[0]).toMatchObject({ outcome: 'bounced' }); // a 5xx about the message still bounces
    expect(closed).toEqual(['bad']);
    await relay.close();
    expect(closed).toEqual(['bad', 'good']);
  });

  it('reads typed replies: our failure codes first, a server reply by its codes', () => {
    const failed = (code: string, message: string) => failureReply(Object.assign(new Error(message), { code }));
    expect(hopProblem(failed('ENOTFOUND', 'getaddrinfo ENOTFOUND smtp.x.invalid'))).toBe('host-not-found');
    expect(hopProblem(replyOf('550 5.1.1 no such user'))).toBeUndefined();
    expect(hopProblem(replyOf('535 5.7.8 Authentication credentials invalid'))).toBe('auth-failed');
    expect(hopProblem(failed('EAUTH', NO_TLS_FOR_AUTH))).toBe('no-tls-for-login');
    expect(explainReply(true, replyOf('250 2.0.0 Ok'), { tls: 'starttls' })).toMatchObject({
      ok: true,
      outcome: 'sent',
    });
    expect(explainReply(false, failed('ETLS', 'self-signed certificate'), { tls: 'starttls' })).toMatchObject({
      outcome: 'tls-failed',
      summary: expect.stringContaining('certificate'),
    });
    expect(
      explainReply(false, failed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), { tls: 'starttls' }),
    ).toMatchObject({
      outcome: 'connection-refused',
    });
    // a reply whose words name a failure code is still the server's reply, read by its code
    expect(explainReply(false, replyOf('451 4.4.1 ECONNREFUSED upstream'), { tls: 'starttls' })).toMatchObject({
      outcome: 'refused',
      summary: 'connected, message deferred (451)',
    });
  });
});
