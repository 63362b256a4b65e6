import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeppolHandOff, Route } from '../../../src/core/types.js';
import { createTargetGuard } from '../../../src/transports/egress/target-guard.js';
import { createPeppolTransport, replyFor } from '../../../src/transports/peppol/peppol-transport.js';
import { startFakePeppolAp, type FakePeppolAp } from '../../helpers/fake-peppol-ap.js';

const TOKEN = 'unit-ap-token-0123456789';
const UBL = Buffer.from(
  '<?xml version="1.0"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>\n',
);
const noDns = {
  resolve4: async () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' })),
  resolve6: async () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOTFOUND' })),
};
const envelope = { from: '', to: ['klant@customer.test'] };

describe('the Peppol transport', () => {
  let ap: FakePeppolAp;
  const route = (handOff: Partial<PeppolHandOff> = {}): Route & { kind: 'peppol' } => ({
    kind: 'peppol',
    key: 't1:1',
    peppol: { baseUrl: ap.baseUrl, token: TOKEN, receiver: '0208:0987654321', documentType: 'invoice', ...handOff },
  });

  beforeAll(async () => {
    ap = await startFakePeppolAp(TOKEN);
  });
  afterAll(async () => {
    await ap?.close();
  });

  it('refuses an access point inside the network before connecting, unless its range is allowed', async () => {
    const closed = createPeppolTransport({ guard: createTargetGuard({ allow: [], resolver: noDns }), timeoutMs: 2000 });
    const refused = await closed.send(envelope, UBL, route());
    expect(refused.recipients[0]).toMatchObject({ outcome: 'bounced', reply: { code: 554, failure: 'ETARGET' } });
    expect(ap.submissions).toHaveLength(0);

    const allowed = createTargetGuard({ allow: ['127.0.0.0/8'], resolver: noDns });
    const open = createPeppolTransport({ guard: allowed, timeoutMs: 2000 });
    const sent = await open.send(envelope, UBL, route());
    expect(sent.recipients[0]).toMatchObject({ outcome: 'delivered', nextHop: 'peppol 0208:0987654321' });
    expect(ap.submissions.at(-1)!.body.equals(UBL)).toBe(true);
    const wrong = await open.send(envelope, UBL, {
      ...route(),
      peppol: { ...route().peppol, token: 'wrong' },
    } as Route);
    expect(wrong.recipients[0]!.reply.text).toContain('401: invalid token');
    expect(wrong.recipients[0]!.outcome).toBe('bounced');
  });

  it('words the answer: 2xx delivered, 5xx and 408/425/429 deferred, other 4xx bounced with the reason', () => {
    expect(replyFor({ status: 202, body: '{"status":"queued","sbdhInstanceID":"abc"}' })).toMatchObject({
      code: 250,
      text: 'accepted by the Peppol access point: id abc',
    });
    expect(replyFor({ status: 503, body: 'maintenance' }).code).toBe(451);
    expect(replyFor({ status: 429, body: '{"error":"slow down"}' })).toMatchObject({ code: 451 });
    expect(replyFor({ status: 400, body: '{"detail":"receiver\\r\\nnot registered"}' })).toMatchObject({
      code: 554,
      text: 'refused by the Peppol access point answered 400: receiver not registered',
    });
  });
});
