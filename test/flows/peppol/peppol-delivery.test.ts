import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { peppolCopyId } from '../../../src/pipeline/peppol/peppol-copy.js';
import { startFakePeppolAp, type FakePeppolAp } from '../../helpers/fake-peppol-ap.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { api, arrived, startSenderGateway } from '../../helpers/sender-harness.js';
import { expectNothingFor } from '../../helpers/wait-for.js';
import { INVALID_UBL, recipientsOf, sendUbl, UBL } from './peppol-helpers.js';

const TOKEN = 'ap-token-0123456789-secret';
const CUSTOMER = 'klant@customer.test';

describe('Peppol delivery to the access point', () => {
  let sink: Sink;
  let ap: FakePeppolAp;
  let gw: TestGateway;

  beforeAll(async () => {
    sink = await startSink();
    ap = await startFakePeppolAp(TOKEN);
    // A short send timeout: the stalled access point defers within it.
    gw = await startSenderGateway(sink.port, { delivery: { sendTimeoutMs: 1500 } });
    const put = await api(gw, 'PUT', `/tenants/${gw.tenantId}/peppol`, {
      enabled: true,
      accessPointUrl: ap.baseUrl,
      token: TOKEN,
      mode: 'alongside',
    });
    expect(put.status).toBe(200);
    const listed = await api(gw, 'POST', `/tenants/${gw.tenantId}/peppol/recipients`, {
      address: CUSTOMER,
      participantId: '0208:0987654321',
    });
    expect(listed.status).toBe(200);
  });
  afterAll(async () => {
    await gw?.stop();
    await ap?.close();
    await sink?.close();
  });
  beforeEach(() => {
    ap.answer = () => ({ status: 202, json: { status: 'queued', sbdhInstanceID: 'sbdh-1' } });
  });

  it('alongside: the mail goes, and the UBL document reaches the access point byte for byte', async () => {
    const id = await sendUbl(gw, CUSTOMER);
    await arrived(sink, id);
    const [peppol] = await recipientsOf(gw, peppolCopyId(id), (r) => r[0]?.status === 'delivered');
    expect(peppol!.address).toBe(CUSTOMER);
    expect(peppol!.history.at(-1)?.nextHop).toBe('peppol 0208:0987654321');
    expect(peppol!.lastReply).toContain('accepted by the Peppol access point');
    const got = ap.submissions.at(-1)!;
    expect(got.body.equals(UBL)).toBe(true);
    expect(got.contentType).toBe('application/xml');
    expect(got.receiverId).toBe('iso6523-actorid-upis::0208:0987654321');
    expect(got.senderId).toBe('iso6523-actorid-upis::0208:0123456749');
    expect(got.docTypeId).toContain('Invoice-2::Invoice##');
    expect(ap.unauthorised).toBe(0);
    const settings = await api(gw, 'GET', `/tenants/${gw.tenantId}/peppol`);
    expect(settings.body.hasToken).toBe(true);
    expect(JSON.stringify(settings.body)).not.toContain(TOKEN);
  });

  it("a 4xx of the access point fails the Peppol delivery with the access point's reason; the mail went", async () => {
    ap.answer = () => ({ status: 422, json: { message: 'PEPPOL-EN16931-R001: business process missing' } });
    const id = await sendUbl(gw, CUSTOMER, UBL, 'Factuur F-2026-0043');
    await arrived(sink, id);
    const [peppol] = await recipientsOf(gw, peppolCopyId(id), (r) => r[0]?.status === 'bounced');
    expect(peppol!.lastReply).toMatch(/^554 5\.6\.0 .*422: PEPPOL-EN16931-R001: business process missing/);
    expect(peppol!.attempts).toBe(1);
  });

  it('a stalled access point defers within the timeout; the retry delivers', async () => {
    let calls = 0;
    ap.answer = () => (++calls === 1 ? 'stall' : { status: 202, json: { status: 'queued' } });
    const id = await sendUbl(gw, CUSTOMER, UBL, 'Factuur F-2026-0044');
    const copy = peppolCopyId(id);
    const [deferred] = await recipientsOf(gw, copy, (r) => r.some((x) => x.history.length > 0), 6_000);
    expect(deferred!.history[0]!.outcome).toBe('deferred');
    expect(deferred!.history[0]!.reply).toMatch(/^451 4\.4\.1 .*no answer within 1500 ms/);
    const [delivered] = await recipientsOf(gw, copy, (r) => r[0]?.status === 'delivered');
    expect(delivered!.history.map((h) => h.outcome)).toEqual(['deferred', 'delivered']);
  });

  it('an invalid UBL document is not sent over Peppol; the mail still goes', async () => {
    const before = ap.submissions.length;
    const id = await sendUbl(gw, CUSTOMER, INVALID_UBL, 'Factuur F-2026-0045');
    await arrived(sink, id);
    await expectNothingFor(300, () => ap.submissions.length === before, 'no Peppol submission');
    const copy = await api(gw, 'GET', `/messages/${peppolCopyId(id)}`);
    expect(copy.status).toBe(404);
  });

  it('instead: a listed recipient gets the document over Peppol and no e-mail; others get the e-mail', async () => {
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/peppol`, { mode: 'instead' });
    const before = ap.submissions.length;
    const id = await sendUbl(gw, [CUSTOMER, 'other@customer.test'].join(', '), UBL, 'Factuur F-2026-0046');
    const [mail] = await arrived(sink, id);
    expect(mail!.envelope.to).toEqual(['other@customer.test']);
    const recipients = await recipientsOf(gw, id, (r) => r.every((x) => x.status === 'delivered'));
    const listed = recipients.find((r) => r.address === CUSTOMER)!;
    expect(listed.history.at(-1)?.nextHop).toBe('peppol 0208:0987654321');
    expect(ap.submissions.length).toBe(before + 1);
    expect(ap.submissions.at(-1)!.body.equals(UBL)).toBe(true);
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/peppol`, { mode: 'alongside' });
  });
});
