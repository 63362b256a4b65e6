import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Json } from '../../helpers/api-v1-harness.js';
import { nextMillisecond } from '../../helpers/wait-for.js';
import { replyOf } from '../../helpers/smtp-replies.js';

let h: ApiHarness;
let admin: string;
let a: Awaited<ReturnType<ApiHarness['tenant']>>;
let b: Awaited<ReturnType<ApiHarness['tenant']>>;
const NOPE = '01JD4T8X9M2C5V7B3N6K0QWERT';

beforeAll(async () => {
  h = await startApiHarness();
  admin = h.adminToken;
  a = await h.tenant('Acme');
  b = await h.tenant('Bolt');
});

afterAll(async () => {
  await h?.close();
});

const ids = (res: { body: Json }): string[] => res.body.messages.map((m: Json) => m.id);

describe('GET /api/v1/messages', () => {
  it("lists newest first; a tenant token sees only its own tenant's mail, whatever it asks for", async () => {
    const m1 = await h.enqueue(a.id, { subject: 'Factuur 2024-001' });
    const m2 = await h.enqueue(b.id, { subject: 'Factuur 2024-002' });
    const m3 = await h.enqueue(a.id, { subject: 'Herinnering 2024-003', to: ['boekhouding@example.org'] });
    const all = await h.call('GET', '/api/v1/messages', { token: admin });
    expect(all.status).toBe(200);
    expect(ids(all).slice(0, 3)).toEqual([m3.id, m2.id, m1.id]);
    expect(ids(await h.call('GET', '/api/v1/messages', { token: a.token }))).toEqual([m3.id, m1.id]);
    expect(ids(await h.call('GET', `/api/v1/messages?tenant=${b.id}`, { token: a.token }))).toEqual([]);
    expect(ids(await h.call('GET', `/api/v1/messages?tenant=${b.id}`, { token: admin }))).toEqual([m2.id]);
  });

  it('filters by status, recipient, text and time, and pages with before/next', async () => {
    const t = await h.tenant('Filter BV');
    const early = await h.enqueue(t.id, { subject: 'Factuur F-100' });
    await nextMillisecond();
    const late = await h.enqueue(t.id, { subject: 'Factuur F-200', to: ['x@example.net'] });
    const q = (query: string) => h.call('GET', `/api/v1/messages?tenant=${t.id}&${query}`, { token: admin });
    expect(ids(await q('q=F-100'))).toEqual([early.id]);
    expect(ids(await q('recipient=x@example.net'))).toEqual([late.id]);
    expect(ids(await q('status=queued'))).toEqual([late.id, early.id]);
    expect(ids(await q('status=delivered'))).toEqual([]);
    expect(ids(await q(`since=${late.receivedAt}`))).toEqual([late.id]);
    expect(ids(await q(`until=${late.receivedAt - 1}`))).toEqual([early.id]);
    const first = await q('limit=1');
    expect(ids(first)).toEqual([late.id]);
    expect(first.body.next).toEqual(expect.any(String));
    expect(ids(await q(`limit=1&before=${first.body.next}`))).toEqual([early.id]);
  });

  it.each<[string, string]>([
    ['status=lost', 'query.status'],
    ['recipient=a@example.com,b@example.com', 'query.recipient'],
    ['recipient=Klant%20%3Ck@example.com%3E', 'query.recipient'],
    ['q=F-1%0D%0ABcc:x', 'query.q'],
    ['before=../../etc', 'query.before'],
    ['limit=501', 'query.limit'],
    ['since=yesterday', 'query.since'],
    ['tenant=1', 'query.tenant'],
    ['page=2', 'query.page'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const res = await h.call('GET', `/api/v1/messages?${query}`, { token: admin });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields)).toEqual([field]);
  });
});

describe('GET /api/v1/messages/:id', () => {
  it('shows per-recipient history and the headers, the body only when asked', async () => {
    const msg = await h.enqueue(a.id, { subject: 'Factuur 77', to: ['one@example.com', 'two@example.com'] });
    await h.queue.record(
      msg.id,
      [
        {
          address: 'one@example.com',
          outcome: 'delivered',
          reply: replyOf('250 2.0.0 Ok: queued as X1'),
          nextHop: 'mx.example.com:25',
        },
        {
          address: 'two@example.com',
          outcome: 'deferred',
          reply: replyOf('451 4.7.1 Greylisted'),
          nextHop: 'mx.example.com:25',
        },
      ],
      Date.now(),
    );
    const res = await h.call('GET', `/api/v1/messages/${msg.id}`, { token: a.token });
    expect(res.status).toBe(200);
    const [one, two] = res.body.message.recipients;
    expect(one).toMatchObject({
      address: 'one@example.com',
      status: 'delivered',
      history: [
        {
          outcome: 'delivered',
          reply: '250 2.0.0 Ok: queued as X1',
          nextHop: 'mx.example.com:25',
          at: expect.any(Number),
        },
      ],
    });
    expect(two).toMatchObject({ status: 'deferred', attempts: 1, lastReply: '451 4.7.1 Greylisted' });
    expect(res.body.headers).toContain('Subject: Factuur 77');
    expect(res.body.body).toBeUndefined();
    expect(res.text).not.toContain('Hallo');
    const withBody = await h.call('GET', `/api/v1/messages/${msg.id}?include=body`, { token: admin });
    expect(Buffer.from(withBody.body.body, 'base64').toString()).toContain('Hallo');
  });

  it("answers 404 for another tenant's message exactly as for an unknown id", async () => {
    const msg = await h.enqueue(a.id, { subject: 'Geheim' });
    const other = await h.call('GET', `/api/v1/messages/${msg.id}`, { token: b.token });
    const unknown = await h.call('GET', `/api/v1/messages/${NOPE}`, { token: b.token });
    expect([other.status, unknown.status]).toEqual([404, 404]);
    expect(other.text).toBe(unknown.text);
    expect((await h.call('GET', `/api/v1/messages/${msg.id}?include=everything`, { token: admin })).status).toBe(400);
  });
});

describe('message actions', () => {
  it('holds, releases, retries and cancels, each audited', async () => {
    const msg = await h.enqueue(a.id, { subject: 'Actie' });
    const status = (res: { body: Json }) => res.body.message.recipients.map((r: Json) => r.status);
    const held = await h.call('POST', `/api/v1/messages/${msg.id}/hold`, { token: a.token });
    expect(held.status).toBe(200);
    expect(status(held)).toEqual(['held']);
    const released = await h.call('POST', `/api/v1/messages/${msg.id}/release`, { token: a.token });
    expect(status(released)).not.toContain('held');
    await h.queue.record(
      msg.id,
      [{ address: 'klant@example.com', outcome: 'deferred', reply: replyOf('451 later') }],
      Date.now(),
    );
    const retried = await h.call('POST', `/api/v1/messages/${msg.id}/retry`, { token: admin });
    expect(retried.status).toBe(200);
    expect(retried.body.message.recipients[0].nextAttemptAt).toBeLessThanOrEqual(Date.now());
    const cancelled = await h.call('POST', `/api/v1/messages/${msg.id}/cancel`, {
      token: a.token,
      body: { reason: 'wrong invoice' },
    });
    expect(status(cancelled)).toEqual(['cancelled']);
    const again = await h.call('POST', `/api/v1/messages/${msg.id}/hold`, { token: a.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('conflict');

    const audit = await h.call('GET', '/api/v1/audit?limit=5', { token: a.token });
    expect(audit.body.entries.slice(0, 5).map((e: Json) => [e.route, e.status])).toEqual([
      ['/messages/:id/hold', 409],
      ['/messages/:id/cancel', 200],
      ['/messages/:id/retry', 200],
      ['/messages/:id/release', 200],
      ['/messages/:id/hold', 200],
    ]);
  });

  it("lets no tenant act on another tenant's message, and checks the cancel reason", async () => {
    const msg = await h.enqueue(a.id);
    for (const action of ['retry', 'hold', 'release', 'cancel']) {
      expect((await h.call('POST', `/api/v1/messages/${msg.id}/${action}`, { token: b.token })).status).toBe(404);
    }
    expect(h.queue.get(msg.id)?.recipients[0]?.status).toBe('queued');
    const bad = await h.call('POST', `/api/v1/messages/${msg.id}/cancel`, { token: admin, body: { reason: 'x\r\ny' } });
    expect(bad.body.fields).toHaveProperty(['body.reason']);
    expect(
      (await h.call('POST', `/api/v1/messages/${msg.id}/hold`, { token: admin, body: { force: true } })).status,
    ).toBe(400);
    expect((await h.call('POST', `/api/v1/messages/${NOPE}/retry`, { token: admin })).status).toBe(404);
  });
});

describe('GET /api/v1/queue/summary', () => {
  it('gives the admin the total and each tenant, a tenant only its own', async () => {
    const t = await h.tenant('Summary BV');
    await h.enqueue(t.id);
    await h.enqueue(t.id);
    const all = await h.call('GET', '/api/v1/queue/summary?limit=500', { token: admin });
    expect(all.status).toBe(200);
    const mine = all.body.tenants.find((x: Json) => x.tenantId === t.id);
    expect(mine).toMatchObject({ name: 'Summary BV', summary: { messages: 2, queued: 2 } });
    expect(all.body.total.messages).toBeGreaterThanOrEqual(mine.summary.messages + 1);
    const own = await h.call('GET', '/api/v1/queue/summary', { token: t.token });
    expect(own.body.tenants.map((x: Json) => x.tenantId)).toEqual([t.id]);
    expect(own.body.total).toEqual(mine.summary);
  });
});
