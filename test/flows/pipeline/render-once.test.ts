import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, headerOf, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { SMTPServerSession } from 'smtp-server';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';

interface Recipient {
  status: string;
  history: Array<{ outcome: string; reply: string }>;
}

/**
 * Render once: a message the next hop defers is retried with the bytes its first attempt
 * sent (same DKIM-Signature, t= included, same Message-ID), not rendered and signed again.
 * The retry delay (1.5 s) is longer than DKIM's one-second t= resolution, so a second signing
 * could not give the same header. Real gateway, API and SMTP sinks that answer 451 once.
 */
describe('render once: a retry sends the stored bytes', () => {
  let platform: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;
  /** Each message's bytes at its first attempt (refused with 451), by Message-ID. */
  const firstTry = new Map<string, Buffer>();
  /** Work to do while a first attempt is on the wire, by Subject: the settings change "before the retry". */
  const duringFirstTry = new Map<string, () => Promise<void>>();
  const creds = { user: 'acme', pass: 'own-server-Secret-7431' };

  /** A 451 for the first try of each render-once message (of its `late@` recipient only, when it has one). */
  async function deferOnce(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const subject = headerOf(raw, 'subject')[0] ?? '';
    if (!subject.includes('render-once')) return;
    const to = session.envelope.rcptTo.map((r) => r.address);
    if (subject.includes('partial') && !to.includes('late@customer.test')) return;
    const messageId = headerOf(raw, 'message-id')[0] ?? '';
    if (firstTry.has(messageId)) return;
    firstTry.set(messageId, raw);
    await duringFirstTry.get(subject)?.();
    throw sinkReply(451, '4.3.2 try again later');
  }

  beforeAll(async () => {
    platform = await startSink({ onData: deferOnce });
    tenantServer = await startSink({ onData: deferOnce, auth: creds });
    gw = await startSenderGateway(platform.port, {
      queue: { retry: { initialDelayMs: 1_500, maxDelayMs: 3_000, maxAgeMs: 60_000, jitter: 0 } },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([platform?.close(), tenantServer?.close()]);
  });

  async function historyOf(id: string): Promise<Recipient[]> {
    return ((await api(gw, 'GET', `/messages/${id}`)).body.message as { recipients: Recipient[] }).recipients;
  }

  /** The first attempt's bytes and the delivered ones of message `id`, once it is delivered. */
  async function bothAttempts(sink: Sink, id: string): Promise<{ first: Buffer; second: Buffer }> {
    const [second] = await arrived(sink, id);
    const first = firstTry.get(headerOf(second!.raw, 'message-id')[0] ?? '');
    expect(first).toBeDefined();
    return { first: first!, second: second!.raw };
  }

  it(
    'forwarding: the second attempt carries the first ' + "attempt's DKIM-Signature and Message-ID, byte for byte",
    async () => {
      const info = await legacyClient(gw).sendMail({
        from: 'billing@acme.test',
        to: 'jan@customer.test',
        subject: 'Factuur render-once 1',
        text: 'Bedrag: 10 EUR\n',
      });
      const id = queueIdOf(info.response);
      const { first, second } = await bothAttempts(platform, id);
      expect(headerOf(first, 'dkim-signature')).toHaveLength(1);
      expect(headerOf(second, 'dkim-signature')).toEqual(headerOf(first, 'dkim-signature'));
      expect(headerOf(second, 'message-id')).toEqual(headerOf(first, 'message-id'));
      expect(second.equals(first)).toBe(true);
      // The sink has the copy before the gateway has recorded the 250: wait for the record.
      const jan = await waitFor(
        async () => (await historyOf(id)).find((r) => r.history.length === 2),
        5_000,
        'the delivery recorded',
      );
      expect(jan.history.map((h) => h.outcome)).toEqual(['deferred', 'delivered']);
      expect(jan.history[0]!.reply).toMatch(/^451 /);
    },
  );

  it(
    "a second tenant changing its settings re-renders only its own waiting mail; the first tenant's retry " +
      'stays byte-identical',
    async () => {
      const made = await api(gw, 'POST', '/tenants', { name: 'Other BV', smtpUsername: 'other-render' });
      const other = {
        id: (made.body.tenant as { id: string }).id,
        smtp: made.body.smtp as { username: string; password: string },
      };
      const otherClient = createTransport({
        host: '127.0.0.1',
        port: gw.gateway.smtpPort,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: other.smtp.username, pass: other.smtp.password },
      });
      // While both first attempts are refused, the other tenant renames its sender (nothing delivered yet).
      duringFirstTry.set('Factuur render-once other', async () => {
        expect((await api(gw, 'PUT', `/tenants/${other.id}/sender`, { displayName: 'Other Renamed' })).status).toBe(
          200,
        );
      });
      const [mine, theirs] = await Promise.all([
        legacyClient(gw).sendMail({
          from: 'billing@acme.test',
          to: 'piet@customer.test',
          subject: 'Factuur render-once acme',
          text: 'A\n',
        }),
        otherClient.sendMail({
          from: 'billing@other.test',
          to: 'kees@customer.test',
          subject: 'Factuur render-once other',
          text: 'B\n',
        }),
      ]);
      const acme = await bothAttempts(platform, queueIdOf(mine.response));
      expect(acme.second.equals(acme.first)).toBe(true);

      const renamed = await bothAttempts(platform, queueIdOf(theirs.response));
      expect(headerOf(renamed.first, 'from')[0]).toMatch(/^"Other BV" </);
      expect(headerOf(renamed.second, 'from')[0]).toMatch(/^"Other Renamed" </);
      // The other tenant's mail carries nothing of the first tenant's rendering.
      expect(renamed.second.includes('acme')).toBe(false);
    },
  );

  it('settings changed after one recipient has the message: the other gets the same bytes at its retry', async () => {
    duringFirstTry.set('Factuur render-once partial', async () => {
      expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { displayName: 'Acme Later' })).status).toBe(200);
    });
    const info = await legacyClient(gw).sendMail({
      from: 'billing@acme.test',
      to: ['early@customer.test', 'late@customer.test'],
      subject: 'Factuur render-once partial',
      text: 'D\n',
    });
    const id = queueIdOf(info.response);
    const got = await arrived(platform, id, 2);
    const early = got.find((m) => m.envelope.to.includes('early@customer.test'))!;
    const late = got.find((m) => m.envelope.to.includes('late@customer.test'))!;
    expect(headerOf(early.raw, 'from')[0]).toMatch(/^"Acme Facturatie BV" </);
    expect(late.raw.equals(early.raw)).toBe(true);
    expect(late.raw.equals(firstTry.get(headerOf(late.raw, 'message-id')[0]!)!)).toBe(true);
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { displayName: null })).status).toBe(200);
  });

  it(
    'own SMTP: the retry goes through the tenant server with the same bytes; ' + 'its password is never stored',
    async () => {
      const path = `/tenants/${gw.tenantId}/sender`;
      const smtp = {
        host: '127.0.0.1',
        port: tenantServer.port,
        tls: 'opportunistic',
        allowPlaintextAuth: true,
        user: creds.user,
        password: creds.pass,
      };
      expect((await api(gw, 'PUT', path, { smtp, ownAddress: 'billing@acme.test' })).status).toBe(200);
      expect((await api(gw, 'POST', `${path}/test-send`, { to: 'check@acme.test' })).body.ok).toBe(true);
      expect((await api(gw, 'PUT', path, { mode: 'own-smtp' })).status).toBe(200);

      const info = await legacyClient(gw).sendMail({
        from: 'billing@acme.test',
        to: 'marie@customer.test',
        subject: 'Factuur render-once own',
        text: 'C\n',
      });
      const id = queueIdOf(info.response);
      await waitFor(
        async () => ((await historyOf(id))[0]!.status === 'deferred' ? true : undefined),
        8_000,
        'the first attempt deferred',
      );
      expect(await filesContaining(gw.dataDir, creds.pass)).toEqual([]);

      const { first, second } = await bothAttempts(tenantServer, id);
      expect(second.equals(first)).toBe(true);
      expect(platform.messages.some((m) => m.raw.includes(`id ${id}`))).toBe(false);
    },
  );
});

/** Files under `dir` whose bytes contain `needle` (the data dir holds LMDB files and keys only). */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) found.push(file);
  }
  return found;
}
