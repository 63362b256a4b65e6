import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, headerOf, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';
import { expectNothingFor, waitFor } from '../../helpers/wait-for.js';
import { accountantCopyId } from '../../../src/pipeline/copies/sender-accountant.js';

/**
 * Review holds over real SMTP and the real API: a message the package marks, of a held document
 * type, or among the first after a settings change is rendered, held (nothing leaves), listed
 * with its preview, edited, released (the sink gets exactly the edit) or cancelled (nothing
 * leaves); another tenant sees none of it.
 */
type Json = Record<string, any>;

describe('review holds', () => {
  let sink: Sink;
  let gw: TestGateway;
  let stalled = false;

  beforeAll(async () => {
    sink = await startSink({
      onData: () => {
        if (stalled) throw sinkReply(451, 'try again later');
      },
    });
    gw = await startSenderGateway(sink.port);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const send = async (subject: string, opts: { hold?: boolean; to?: string } = {}): Promise<string> => {
    const headers = opts.hold ? { 'X-Postbode-Hold': 'yes' } : {};
    const info = await legacyClient(gw).sendMail({
      envelope: { from: 'facturen@jansen.example', to: [opts.to ?? 'jan@klant.example'] },
      from: 'facturen@jansen.example',
      to: opts.to ?? 'jan@klant.example',
      subject,
      text: `Beste klant,\n\n${subject} staat klaar.\n`,
      headers,
    });
    return queueIdOf(info.response);
  };
  const message = async (id: string): Promise<Json> =>
    ((await api(gw, 'GET', `/messages/${id}`)).body as Json).message as Json;
  const heldFor = (id: string): Promise<Json> =>
    waitFor(
      async () => {
        const m = await message(id);
        return m.heldAt !== undefined && m.review !== undefined ? m : undefined;
      },
      8_000,
      `message ${id} held for review`,
      50,
    );
  const forId = (id: string) => sink.messages.filter((m) => m.raw.includes(`id ${id}`));

  it('holds a message the package marks, lists it with the rendered preview, and sends nothing', async () => {
    const id = await send('Factuur 2024-101', { hold: true });
    const held = await heldFor(id);
    expect(held.review).toMatchObject({ reason: 'header' });
    expect(held.recipients[0].status).toBe('held');
    expect(held.recipients[0].history.at(-1)).toMatchObject({ outcome: 'held' });
    expect(held.recipients[0].history.at(-1).reply).toContain('X-Postbode-Hold');
    const list = (await api(gw, 'GET', `/tenants/${gw.tenantId}/review`)).body as Json;
    const entry = list.held.find((h: Json) => h.message.id === id);
    expect(entry.preview).toMatchObject({ subject: 'Factuur 2024-101', to: ['jan@klant.example'] });
    expect(entry.preview.text).toContain('Factuur 2024-101 staat klaar.');
    await expectNothingFor(300, () => forId(id).length === 0, 'no message for a held one');
  });

  it('edit then release: the sink receives exactly the edited subject and text', async () => {
    const id = await send('Factuur 2024-102', { hold: true });
    await heldFor(id);
    const text = 'Beste Jan,\n\nHierbij de gecorrigeerde factuur.\n\nMet vriendelijke groet';
    const edited = await api(gw, 'PATCH', `/messages/${id}/review`, { subject: 'Factuur 2024-102 (correctie)', text });
    expect(edited.status).toBe(200);
    expect((edited.body as Json).preview.subject).toBe('Factuur 2024-102 (correctie)');
    expect((edited.body as Json).message.review.edit).toMatchObject({ subject: 'Factuur 2024-102 (correctie)', text });
    expect(forId(id)).toHaveLength(0);
    const released = await api(gw, 'POST', `/messages/${id}/review/release`, {});
    expect(released.status).toBe(200);
    const [got] = await arrived(sink, id);
    const parsed = await simpleParser(got!.raw);
    expect(parsed.subject).toBe('Factuur 2024-102 (correctie)');
    expect(parsed.text?.trim()).toBe(text);
    const after = await waitFor(
      async () => {
        const m = await message(id);
        return m.recipients[0].status === 'delivered' ? m : undefined;
      },
      8_000,
      'the released message delivered',
      50,
    );
    expect(after.review.ended).toMatchObject({ outcome: 'released', by: 'tenant' });
  });

  it('cancel: nothing leaves, the history says so, and the cancel is final', async () => {
    const id = await send('Factuur 2024-103', { hold: true });
    await heldFor(id);
    expect((await api(gw, 'POST', `/messages/${id}/review/cancel`, {})).status).toBe(200);
    const after = await message(id);
    expect(after.recipients[0]).toMatchObject({ status: 'cancelled', lastReply: 'cancelled after review' });
    expect((await api(gw, 'POST', `/messages/${id}/review/release`, {})).status).toBe(409);
    await expectNothingFor(300, () => forId(id).length === 0, 'no message for a cancelled one');
  });

  it('holds every message of a held document type, and only those', async () => {
    const rules = {
      documentTypes: ['reminder'],
      afterSettingsChange: 0,
      header: true,
      expiry: { afterHours: 72, action: 'release' },
    };
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/review-rules`, rules)).status).toBe(200);
    const reminder = await send('Herinnering factuur 2024-050');
    const invoice = await send('Factuur 2024-104');
    expect((await heldFor(reminder)).review).toMatchObject({ reason: 'document-type' });
    await arrived(sink, invoice);
    const off = { ...rules, documentTypes: [] };
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/review-rules`, off)).status).toBe(200);
  });

  it('holds the next N messages after a settings change, counting down per message', async () => {
    const rules = {
      documentTypes: [],
      afterSettingsChange: 2,
      header: true,
      expiry: { afterHours: 72, action: 'release' },
    };
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/review-rules`, rules)).status).toBe(200);
    await arrived(sink, await send('Factuur 2024-110'));
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { displayName: 'Jansen Facturen' })).status).toBe(
      200,
    );
    const first = await send('Factuur 2024-111');
    expect((await heldFor(first)).review).toMatchObject({
      reason: 'settings-changed',
      detail: 'message 1 of 2 after a settings change',
    });
    const second = await send('Factuur 2024-112');
    expect((await heldFor(second)).review.detail).toBe('message 2 of 2 after a settings change');
    await arrived(sink, await send('Factuur 2024-113'));
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/review-rules`, { ...rules, afterSettingsChange: 0 });
  });

  it('a release while the next hop refuses: the recipient is deferred, not lost, and delivered later', async () => {
    const id = await send('Factuur 2024-120', { hold: true });
    await heldFor(id);
    stalled = true;
    try {
      expect((await api(gw, 'POST', `/messages/${id}/review/release`, {})).status).toBe(200);
      await waitFor(
        async () => (await message(id)).recipients[0].status === 'deferred',
        8_000,
        'the released message deferred',
        50,
      );
    } finally {
      stalled = false;
    }
    const [got] = await arrived(sink, id);
    expect((await simpleParser(got!.raw)).subject).toBe('Factuur 2024-120');
  });

  it('resend to a corrected address: a new message linked both ways, with a new Message-ID', async () => {
    const id = await send('Factuur 2024-130', { to: 'jan@klant.exmaple' });
    const [first] = await arrived(sink, id);
    const resent = await api(gw, 'POST', `/messages/${id}/resend`, { to: ['jan@klant.example'] });
    expect(resent.status).toBe(202);
    const copy = (resent.body as Json).message as Json;
    expect(copy.resentFrom).toBe(id);
    expect(copy.envelope.to).toEqual(['jan@klant.example']);
    expect((await message(id)).resentAs).toEqual([copy.id]);
    // The resend carries the original's trace; it is found by its own Message-ID.
    const got = await waitFor(
      () => sink.messages.find((m) => headerOf(m.raw, 'Message-ID')[0] === copy.messageId),
      8_000,
      'the resend at the sink',
    );
    expect(got.envelope.to).toEqual(['jan@klant.example']);
    expect(headerOf(got.raw, 'Message-ID')).not.toEqual(headerOf(first!.raw, 'Message-ID'));
    expect((await simpleParser(got.raw)).subject).toBe('Factuur 2024-130');
  });

  it('a resend to a suppressed address is not sent: the suppression list decides', async () => {
    const id = await send('Factuur 2024-140', { to: 'weg@klant.example' });
    await arrived(sink, id);
    const add = await api(gw, 'POST', `/tenants/${gw.tenantId}/suppressions`, { address: 'weg@klant.example' });
    expect(add.status).toBe(201);
    const copy = ((await api(gw, 'POST', `/messages/${id}/resend`, {})).body as Json).message as Json;
    const after = await waitFor(
      async () => {
        const m = await message(copy.id);
        return m.completedAt !== undefined ? m : undefined;
      },
      8_000,
      'the resend final',
      50,
    );
    expect(after.recipients[0].status).toBe('bounced');
    expect(forId(copy.id)).toHaveLength(0);
  });

  it('another tenant cannot list, read, edit, release, cancel or resend the first one’s messages (404)', async () => {
    const id = await send('Factuur 2024-150', { hold: true });
    await heldFor(id);
    const made = await api(gw, 'POST', '/tenants', { name: 'Ander BV' });
    const otherId = ((made.body as Json).tenant as Json).id as string;
    const token = ((await api(gw, 'POST', `/tenants/${otherId}/tokens`, {})).body as Json).token as string;
    const as = async (method: string, path: string, body?: unknown): Promise<number> =>
      (
        await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        })
      ).status;
    expect(await as('GET', `/tenants/${gw.tenantId}/review`)).toBe(404);
    expect(await as('GET', `/tenants/${gw.tenantId}/review-rules`)).toBe(404);
    expect(await as('GET', `/messages/${id}/review`)).toBe(404);
    expect(await as('PATCH', `/messages/${id}/review`, { subject: 'Gekaapt' })).toBe(404);
    expect(await as('POST', `/messages/${id}/review/release`, {})).toBe(404);
    expect(await as('POST', `/messages/${id}/review/cancel`, {})).toBe(404);
    expect(await as('POST', `/messages/${id}/resend`, { to: ['dief@example.test'] })).toBe(404);
    const own = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/api/v1/tenants/${otherId}/review`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await own.json()) as Json).held).toEqual([]);
    const still = await message(id);
    expect(still.recipients[0].status).toBe('held');
    expect(still.review.edit).toBeUndefined();
    expect(still.resentAs).toBeUndefined();
  });

  it('the accountant copy follows its message: queued held, sent only when the message is released', async () => {
    const settings = { accountantAddress: 'boekhouder@kantoor.example', accountantMode: 'automatic' };
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, settings)).status).toBe(200);
    try {
      const info = await legacyClient(gw).sendMail({
        envelope: { from: 'facturen@jansen.example', to: ['jan@klant.example'] },
        from: 'facturen@jansen.example',
        to: 'jan@klant.example',
        subject: 'Factuur 2024-170',
        text: 'Beste klant, bijgaand uw factuur.',
        headers: { 'X-Postbode-Hold': 'yes' },
        attachments: [
          {
            filename: 'factuur-2024-170.pdf',
            content: Buffer.from('%PDF-1.4\n%%EOF\n'),
            contentType: 'application/pdf',
          },
        ],
      });
      const id = queueIdOf(info.response);
      await heldFor(id);
      const copyId = accountantCopyId(id);
      const copy = await waitFor(
        async () => (await api(gw, 'GET', `/messages/${copyId}`)).status === 200 && message(copyId),
        8_000,
        'the copy',
        50,
      );
      expect(copy.recipients[0]).toMatchObject({ address: 'boekhouder@kantoor.example', status: 'held' });
      expect(sink.messages.filter((m) => m.envelope.to.includes('boekhouder@kantoor.example'))).toHaveLength(0);
      expect((await api(gw, 'POST', `/messages/${id}/review/release`, {})).status).toBe(200);
      await arrived(sink, id);
      await waitFor(
        () => sink.messages.some((m) => m.envelope.to.includes('boekhouder@kantoor.example')),
        8_000,
        'the accountant copy at the sink',
      );
    } finally {
      await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'off' });
    }
  });

  it('bad input names the field', async () => {
    const id = await send('Factuur 2024-160', { hold: true });
    await heldFor(id);
    const bad = await api(gw, 'PATCH', `/messages/${id}/review`, { subject: 'a\r\nBcc: x@example.test' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('subject');
    const rules = await api(gw, 'PUT', `/tenants/${gw.tenantId}/review-rules`, {
      documentTypes: [],
      afterSettingsChange: -1,
      header: true,
      expiry: { afterHours: 1, action: 'release' },
    });
    expect(rules.status).toBe(400);
    expect(JSON.stringify(rules.body)).toContain('afterSettingsChange');
    expect((await api(gw, 'POST', `/messages/${id}/resend`, { to: ['not an address'] })).status).toBe(400);
  });
});
