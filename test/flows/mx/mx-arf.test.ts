/**
 * Feedback-loop reports (ARF, RFC 5965) at the inbound MX: matched to the tenant and message by our VERP sender or by
 * the returned original's Message-ID, counted per tenant (metric and API, with the complaint rate), the complaining
 * recipient suppressed; forged reports and other tenants change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { metricValue, sendInvoice, sendToMx, type SentInvoice } from '../../helpers/mx-harness.js';
import { api, PLATFORM, startSenderGateway } from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

const ABUSE = `abuse@${PLATFORM.sendingDomain}`;
const FORWARDING = `facturen@${PLATFORM.sendingDomain}`;

interface ArfOptions {
  readonly mailFrom?: string;
  readonly rcptTo?: string;
  readonly returnPath?: string;
  readonly to: string;
  readonly messageId: string;
  readonly feedbackType?: string;
}

function arf(o: ArfOptions): string {
  return [
    'From: Feedback Loop <fbl@isp.customer.test>',
    `To: ${ABUSE}`,
    'Subject: Abuse report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report;',
    '\tboundary="=_arf_1"',
    '',
    '--=_arf_1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is an email abuse report for an email message received from IP 127.0.0.1.',
    '',
    '--=_arf_1',
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${o.feedbackType ?? 'abuse'}`,
    'User-Agent: ISP-FBL/1.0',
    'Version: 1',
    ...(o.mailFrom === undefined ? [] : [`Original-Mail-From: <${o.mailFrom}>`]),
    ...(o.rcptTo === undefined ? [] : [`Original-Rcpt-To: <${o.rcptTo}>`]),
    'Arrival-Date: Mon, 07 Dec 2026 10:00:00 +0100',
    'Source-IP: 127.0.0.1',
    '',
    '--=_arf_1',
    'Content-Type: message/rfc822',
    '',
    ...(o.returnPath === undefined ? [] : [`Return-Path: <${o.returnPath}>`]),
    `From: Acme <${FORWARDING}>`,
    `To: ${o.to}`,
    'Subject: Factuur 2026-0099',
    `Message-ID: ${o.messageId}`,
    '',
    'Beste klant,',
    '',
    '--=_arf_1--',
    '',
  ].join('\r\n');
}

interface Summary {
  lastDay: number;
  last30Days: number;
  messagesLastDay: number | null;
  rateLastDay: number | null;
  recent: Array<{ queueId: string; recipient?: string; feedbackType: string }>;
}

describe('inbound MX: ARF complaints counted per tenant, recipient suppressed', () => {
  let sink: Sink;
  let gw: TestGateway;
  let first: SentInvoice;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { localPart: 'facturen' })).status).toBe(200);
    first = await sendInvoice(gw, sink, 'jan@customer.test', { subject: 'Factuur 1', text: 'Beste Jan,\n' });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const complaints = async () =>
    (await api(gw, 'GET', `/tenants/${gw.tenantId}/complaints`)).body as unknown as Summary;
  const metric = () => metricValue(gw, 'postbode_mx_complaints_total');
  const suppressed = async () =>
    ((await api(gw, 'GET', `/tenants/${gw.tenantId}/suppressions`)).body.suppressions as Array<{
      address: string;
      reason: string;
    }>) ?? [];
  const counted = (n: number) => waitFor(async () => ((await metric()) >= n ? true : undefined), 5_000, 'complaints');

  it('a report with our VERP sender: counted for the tenant, the recipient suppressed, the rate shown', async () => {
    // The report names someone else as the recipient: only the recipient the VERP token names is suppressed.
    const reply = await sendToMx(
      gw,
      '',
      ABUSE,
      arf({ mailFrom: first.verp, rcptTo: 'boss@customer.test', to: 'jan@customer.test', messageId: first.messageId }),
    );
    expect(reply.code).toBe(250);
    await counted(1);
    const summary = await complaints();
    expect(summary).toMatchObject({ lastDay: 1, last30Days: 1, messagesLastDay: 1, rateLastDay: 1 });
    expect(summary.recent).toEqual([
      { at: expect.any(Number), queueId: first.id, recipient: 'jan@customer.test', feedbackType: 'abuse' },
    ]);
    const list = await suppressed();
    expect(list.map((s) => s.address)).toEqual(['jan@customer.test']);
    expect(list[0]?.reason).toContain('marked as spam');
  });

  it('without a VERP sender: found by the Message-ID within the tenant its From names', async () => {
    const second = await sendInvoice(gw, sink, 'piet@customer.test', { subject: 'Factuur 2', text: 'Beste Piet,\n' });
    await sendToMx(gw, '', ABUSE, arf({ to: 'Piet <piet@customer.test>', messageId: second.messageId }));
    await counted(2);
    expect((await complaints()).recent[0]).toMatchObject({ queueId: second.id, recipient: 'piet@customer.test' });
    expect((await suppressed()).map((s) => s.address)).toContain('piet@customer.test');
  });

  it('forged reports (bad VERP MAC, unknown Message-ID) and not-spam reports change nothing', async () => {
    const before = await metric();
    const forgedVerp = first.verp.replace(/-[a-z2-7]{13}@/, '-aaaaaaaaaaaaa@');
    await sendToMx(
      gw,
      '',
      ABUSE,
      arf({ mailFrom: forgedVerp, rcptTo: 'victim@customer.test', to: 'victim@customer.test', messageId: '<nope@x>' }),
    );
    await sendToMx(
      gw,
      '',
      ABUSE,
      arf({ mailFrom: first.verp, to: 'jan@customer.test', messageId: first.messageId, feedbackType: 'not-spam' }),
    );
    const third = await sendInvoice(gw, sink, 'kees@customer.test', { subject: 'Factuur 3', text: 'Beste Kees,\n' });
    // Processing is in arrival order: once this one is counted, the two before it were read and dropped.
    await sendToMx(gw, '', ABUSE, arf({ mailFrom: third.verp, to: 'kees@customer.test', messageId: third.messageId }));
    await counted(before + 1);
    expect(await metric()).toBe(before + 1);
    expect((await suppressed()).map((s) => s.address)).not.toContain('victim@customer.test');
    expect((await complaints()).last30Days).toBe(3);
  });

  it("another tenant sees none of them: 404 for this tenant's complaints, an empty count of its own", async () => {
    const other = await api(gw, 'POST', '/tenants', { name: 'Other BV' });
    const otherId = (other.body.tenant as { id: string }).id;
    const token = (await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body.token as string;
    const base = `http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants`;
    const get = (id: string) => fetch(`${base}/${id}/complaints`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get(gw.tenantId)).status).toBe(404);
    const own = await get(otherId);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ lastDay: 0, last30Days: 0, recent: [] });
  });
});
