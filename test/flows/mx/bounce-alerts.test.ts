import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/feedback/bounce-alerts/bounce-alerts.js';
import { startConfiguredGateway, testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, madeTenantClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { sendInvoice, sendToMx } from '../../helpers/mx-harness.js';
import { confirmReplyTo } from '../../helpers/reply-confirm.js';
import { sinkReply, startSink, type Sink, type SinkMessage } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { personReply, standardDsn } from '../../feedback/mail-fixtures.js';
import { legacyClient } from '../../helpers/sender-harness.js';

/**
 * Bounce alerts over SMTP: the next hop refuses an invoice (550) or a DSN comes back later to the
 * MX, and the tenant's confirmed reply address gets a short mail in its language; never for the
 * archive copy, once per recipient and event, one digest in daily mode, and never another tenant's. A
 * person's reply, which the same MX records, makes the invoice "replied" in the log.
 */
const SECRET = 'ab'.repeat(32);
const OFFICE = 'office@acme.test';
const BOSS = 'boss@bolt.test';

describe('bounce alerts', () => {
  let sink: Sink;
  let gw: TestGateway;
  let offset = 0;
  let bolt: { id: string; client: ReturnType<typeof madeTenantClient> };

  beforeAll(async () => {
    sink = await startSink({
      onRcpt: (address) => {
        if (address.startsWith('gone')) throw sinkReply(550, `5.1.1 <${address}>: Recipient address rejected`);
        if (address.startsWith('slow')) throw sinkReply(451, '4.7.1 Greylisted, try again later');
      },
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-alerts-'));
    // Retries for 5 hours (of the moved clock), so a deferral can pass the tenant's limit before it expires.
    const queue = { retry: { initialDelayMs: 200, maxDelayMs: 1000, maxAgeMs: 5 * 3_600_000, jitter: 0 } };
    gw = await startConfiguredGateway(testConfig(dataDir, sink.port, { platform: PLATFORM, queue }), {
      clock: () => Date.now() + offset,
      env: { POSTBODE_ADMIN_TOKEN: 'sender-test-admin-token-0123456789abcdefghijklmnop', POSTBODE_SECRET_KEY: SECRET },
    });
    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'facturen', replyTo: OFFICE })).status,
    ).toBe(200);
    await confirmReplyTo(gw, sink, OFFICE);
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { defaultLanguage: 'nl' })).status).toBe(200);
    const made = await api(gw, 'POST', '/tenants', { name: 'Bolt BV' });
    bolt = { id: (made.body.tenant as { id: string }).id, client: madeTenantClient(gw, made) };
    expect((await api(gw, 'PUT', `/tenants/${bolt.id}/sender`, { localPart: 'bolt', replyTo: BOSS })).status).toBe(200);
    await confirmReplyTo(gw, sink, BOSS);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const alertsTo = (to: string): SinkMessage[] =>
    sink.messages.filter((m) => m.envelope.to.includes(to) && m.raw.includes('.bounce-alert@'));
  const alertText = (m: SinkMessage): string => m.raw.toString('utf8');
  const nextAlert = (to: string, count: number) =>
    waitFor(() => alertsTo(to)[count] ?? undefined, 8_000, `alert ${count + 1} to ${to}`);

  /**
   * The DSN to the sender for `address` reached the sink: delivery queues it after recording the bounce and telling
   * the alerts, so after this `idle()` covers that bounce.
   */
  const dsnFor = (address: string) =>
    waitFor(
      () => sink.messages.find((m) => m.envelope.to.includes('billing@acme.test') && m.raw.includes(address)),
      8_000,
      `DSN for ${address}`,
    );

  async function bounceAtNextHop(to: string, subject = 'Factuur 2024-017'): Promise<string> {
    const info = await legacyClient(gw).sendMail({ from: 'billing@acme.test', to, subject, text: 'Beste klant,\n' });
    return queueIdOf(info.response);
  }

  it('a 550 from the next hop: one alert in the tenant language, with the reason in words and a link', async () => {
    const before = alertsTo(OFFICE).length;
    const id = await bounceAtNextHop('gone-1@customer.test');
    const mail = await nextAlert(OFFICE, before);
    expect(mail.envelope.from).toBe('');
    const text = alertText(mail);
    expect(text).toContain('gone-1@customer.test kon niet afgeleverd worden: de mailbox bestaat niet.');
    expect(text).toContain(`/settings?message=${id}#/messages`);
    expect(text).toContain('Auto-Submitted: auto-generated');
    const log = await api(gw, 'GET', `/messages?tenant=${gw.tenantId}&limit=5`);
    const alert = (log.body.messages as { kind: string; recipients: { address: string }[] }[]).find(
      (m) => m.kind === 'alert',
    );
    expect(alert?.recipients.map((r) => r.address)).toEqual([OFFICE]);
  });

  it('a late DSN at the inbound MX alerts once; the same DSN again does not', async () => {
    const sent = await sendInvoice(gw, sink, 'late@customer.test', { subject: 'Factuur 2024-018', text: 'x\n' });
    const before = alertsTo(OFFICE).length;
    const dsn = standardDsn({
      to: sent.verp,
      recipient: 'late@customer.test',
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <late@customer.test>: User unknown',
      messageId: sent.messageId,
    });
    expect((await sendToMx(gw, '', sent.verp, dsn)).code).toBe(250);
    const mail = await nextAlert(OFFICE, before);
    expect(alertText(mail)).toContain('late@customer.test kon niet afgeleverd worden: de mailbox bestaat niet.');
    expect((await sendToMx(gw, '', sent.verp, dsn)).code).toBe(250);
    await waitFor(async () => {
      await gw.gateway.bounceAlerts.idle();
      const log = await api(gw, 'GET', `/messages/${sent.id}`);
      return (log.body.message as { recipients: { history: unknown[] }[] }).recipients[0]!.history.length >= 2;
    });
    await gw.gateway.bounceAlerts.idle();
    expect(alertsTo(OFFICE)).toHaveLength(before + 1);
  });

  it('a person\'s reply to the invoice makes it "replied" in the log; no alert for it', async () => {
    const sent = await sendInvoice(gw, sink, 'jan@customer.test', { subject: 'Factuur 2024-021', text: 'x\n' });
    const before = alertsTo(OFFICE).length;
    const reply = personReply({
      to: `facturen@${PLATFORM.sendingDomain}`,
      from: 'jan@customer.test',
      messageId: '<reply-2024-021@customer.test>',
      inReplyTo: sent.messageId,
    });
    expect((await sendToMx(gw, 'jan@customer.test', `facturen@${PLATFORM.sendingDomain}`, reply)).code).toBe(250);
    const replied = await waitFor(
      async () => {
        const m = (await api(gw, 'GET', `/messages/${sent.id}`)).body.message as {
          state: string;
          recipients: { states: { state: string; detail: string }[] }[];
        };
        return m.state === 'replied' ? m : undefined;
      },
      8_000,
      'replied',
      100,
    );
    expect(replied.recipients[0]?.states.at(-1)).toMatchObject({
      state: 'replied',
      detail: expect.stringMatching(/jan@/),
    });
    await gw.gateway.bounceAlerts.idle();
    expect(alertsTo(OFFICE)).toHaveLength(before);
  });

  it('the archive copy bouncing never alerts', async () => {
    expect(
      (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { archiveAddress: 'gone-archive@backup.test' })).status,
    ).toBe(200);
    const before = alertsTo(OFFICE).length;
    const info = await legacyClient(gw).sendMail({
      from: 'billing@acme.test',
      to: 'ok@customer.test',
      subject: 'Factuur 2024-019',
      text: 'x\n',
    });
    await arrived(sink, queueIdOf(info.response));
    await dsnFor('gone-archive@backup.test');
    await gw.gateway.bounceAlerts.idle();
    expect(alertsTo(OFFICE)).toHaveLength(before);
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { archiveAddress: null })).status).toBe(200);
  });

  it('a deferral past the limit alerts once ("still not delivered"), and giving up alerts again', async () => {
    const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/bounce-alerts`, {
      mode: 'immediate',
      deferredAfterHours: 1,
    });
    expect(put.status).toBe(200);
    const before = alertsTo(OFFICE).length;
    const id = await bounceAtNextHop('slow@customer.test', 'Factuur 2024-020');
    const deferred = () =>
      waitFor(
        async () => {
          const m = (await api(gw, 'GET', `/messages/${id}`)).body.message as { recipients: { attempts: number }[] };
          return (m.recipients[0]?.attempts ?? 0) >= 2;
        },
        8_000,
        'two attempts',
        100,
      );
    await deferred();
    await gw.gateway.bounceAlerts.idle();
    expect(alertsTo(OFFICE)).toHaveLength(before); // deferred, but not for an hour yet
    offset += 3_600_000;
    const still = alertText(await nextAlert(OFFICE, before));
    expect(still).toContain('slow@customer.test is na 1 uur nog altijd niet afgeleverd');
    offset += 5 * 3_600_000;
    const gaveUp = alertText(await nextAlert(OFFICE, before + 1));
    expect(gaveUp).toContain('slow@customer.test kon niet afgeleverd worden: de ontvangende server nam het 6 uur');
    await gw.gateway.bounceAlerts.idle();
    expect(alertsTo(OFFICE)).toHaveLength(before + 2);
  });

  it('daily mode: nothing at once, then one digest listing every bounce; other tenants get none of it', async () => {
    const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/bounce-alerts`, {
      mode: 'daily',
      deferredAfterHours: 24,
    });
    expect(put.body).toEqual({ mode: 'daily', deferredAfterHours: 24 });
    const before = alertsTo(OFFICE).length;
    const ids = [await bounceAtNextHop('gone-2@customer.test'), await bounceAtNextHop('gone-3@customer.test')];
    expect(ids).toHaveLength(2);
    await dsnFor('gone-2@customer.test');
    await dsnFor('gone-3@customer.test');
    await gw.gateway.bounceAlerts.idle();
    expect(await gw.gateway.bounceAlerts.runDigest()).toBe(0); // its day is not over yet
    expect(alertsTo(OFFICE)).toHaveLength(before);
    offset += DAY_MS;
    expect(await gw.gateway.bounceAlerts.runDigest()).toBe(1);
    const digest = alertText(await nextAlert(OFFICE, before));
    expect(digest).toContain('gone-2@customer.test');
    expect(digest).toContain('gone-3@customer.test');
    expect(digest).toContain('Deze berichten konden niet afgeleverd worden:');
    expect(await gw.gateway.bounceAlerts.runDigest()).toBe(0);
    expect(alertsTo(BOSS)).toEqual([]);
  });

  it("a second tenant's bounce alerts only that tenant, in its own language", async () => {
    const before = alertsTo(OFFICE).length;
    await bolt.client.sendMail({
      from: 'info@bolt.test',
      to: 'gone-bolt@customer.test',
      subject: 'Invoice 7',
      text: 'x',
    });
    const mail = await nextAlert(BOSS, 0);
    expect(alertText(mail)).toContain('gone-bolt@customer.test could not be delivered: the mailbox does not exist.');
    await gw.gateway.bounceAlerts.idle();
    expect(alertsTo(OFFICE)).toHaveLength(before);
  });

  it('refuses bad settings with 400 naming the field; another tenant cannot read or change them', async () => {
    const bad = await api(gw, 'PUT', `/tenants/${gw.tenantId}/bounce-alerts`, {
      mode: 'hourly',
      deferredAfterHours: 0,
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields as object).sort()).toEqual(['body.deferredAfterHours', 'body.mode']);
    const token = (await api(gw, 'POST', `/tenants/${bolt.id}/tokens`, {})).body.token as string;
    const url = `http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${gw.tenantId}/bounce-alerts`;
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });
});
