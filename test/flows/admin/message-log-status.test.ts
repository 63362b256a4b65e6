import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConfiguredGateway, testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import {
  ADMIN,
  api,
  arrived,
  legacyClient,
  madeTenantClient,
  PLATFORM,
  queueIdOf,
} from '../../helpers/sender-harness.js';
import { sinkReply, startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';
import { DELIVERED_AFTER_MS } from '../../../src/queue/plain-state.js';

/**
 * The message log as the tenant reads it, over SMTP and the real API: plain states (sent, then
 * delivered when no bounce came back; bounced), the filters, the CSV export and the message as
 * sent beside the original; another tenant sees none of it.
 */
const GONE = 'weg@klant.example';

interface Recipient {
  address: string;
  state?: string;
  states?: { state: string; detail: string }[];
}
interface Message {
  id: string;
  state?: string;
  documentNumber?: string;
  recipients: Recipient[];
}

describe('message log: plain states, filters, CSV, as sent', () => {
  let sink: Sink;
  let gw: TestGateway;
  let offset = 0;
  let other: { id: string; token: string; client: ReturnType<typeof madeTenantClient> };

  beforeAll(async () => {
    sink = await startSink({
      onRcpt: (address) => {
        if (address === GONE) throw sinkReply(550, '5.1.1 <weg@klant.example>: Recipient address rejected');
      },
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-log-'));
    gw = await startConfiguredGateway(testConfig(dataDir, sink.port, { platform: PLATFORM }), {
      clock: () => Date.now() + offset,
      env: { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'ef'.repeat(32) },
    });
    const made = await api(gw, 'POST', '/tenants', { name: 'Bolt BV' });
    const id = (made.body.tenant as { id: string }).id;
    const token = (await api(gw, 'POST', `/tenants/${id}/tokens`, {})).body.token as string;
    other = { id, token, client: madeTenantClient(gw, made) };
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const base = () => `http://127.0.0.1:${gw.gateway.httpPort}/api/v1`;
  const asTenant = (token: string, path: string) =>
    fetch(`${base()}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const message = async (id: string): Promise<Message> => {
    const res = await api(gw, 'GET', `/messages/${id}`);
    expect(res.status).toBe(200);
    return res.body.message as Message;
  };
  const ids = async (query: string): Promise<string[]> =>
    ((await api(gw, 'GET', `/messages?tenant=${gw.tenantId}&${query}`)).body.messages as Message[]).map((m) => m.id);

  async function send(to: string, subject: string): Promise<string> {
    // Raw, so the subject is stored as typed (nodemailer would make an encoded word of `@`).
    const raw =
      `From: facturen@jansen.example\r\nTo: ${to}\r\nSubject: ${subject}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n\r\nBeste klant, in bijlage vindt u uw factuur.\r\n';
    const info = await legacyClient(gw).sendMail({ envelope: { from: 'facturen@jansen.example', to: [to] }, raw });
    return queueIdOf(info.response);
  }
  const settled = (id: string, state: string) =>
    waitFor(
      async () => {
        const m = await message(id);
        return m.state === state ? m : undefined;
      },
      8_000,
      `${id} ${state}`,
      100, // under the API's rate limit
    );

  it('a relay 250 is "sent", then "delivered" when no bounce came back; filters: state, document, client', async () => {
    const id = await send('klant@klant.example', 'Factuur 2024-017');
    await arrived(sink, id);
    const sent = await settled(id, 'sent');
    expect(sent.recipients[0]?.states?.map((e) => e.state)).toEqual(['queued', 'sent']);
    expect(await ids('state=sent')).toContain(id);
    expect(await ids('state=delivered')).not.toContain(id);
    expect(await ids('document=2024-017')).toEqual([id]);
    expect(await ids('document=2024-018')).toEqual([]);
    expect(await ids('client=klant.example&state=sent')).toEqual([id]);
    expect(await ids('client=elders.example')).toEqual([]);

    offset += DELIVERED_AFTER_MS + 1_000;
    expect((await message(id)).state).toBe('delivered');
    expect(await ids('state=delivered')).toContain(id);
    expect(await ids('state=sent')).not.toContain(id);
  });

  it('a 550 from the next hop is "bounced", with the reply in the recipient history', async () => {
    const id = await send(GONE, 'Factuur 2024-018');
    const bounced = await settled(id, 'bounced');
    expect(bounced.recipients[0]?.states?.at(-1)).toMatchObject({
      state: 'bounced',
      detail: expect.stringMatching(/^550/),
    });
    expect(await ids('state=bounced')).toContain(id);
  });

  it('exports CSV: one row per recipient, quoted, formula cells made text', async () => {
    const id = await send('klant@klant.example', '@SUM(1+1) "Factuur" 2024-021');
    await arrived(sink, id);
    await settled(id, 'sent');
    const res = await fetch(`${base()}/messages.csv?tenant=${gw.tenantId}&client=klant.example`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?messages.csv"?$/);
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe(
      '"message_id","received_at","message_state","document_number","subject","from","recipient","role",' +
        '"recipient_state","state_at","last_reply"',
    );
    const row = lines.find((l) => l.startsWith(`"${id}"`));
    expect(row).toContain(`"'@SUM(1+1) ""Factuur"" 2024-021"`);
    expect(row).toContain('"klant@klant.example","client","sent"');
    const bad = await fetch(`${base()}/messages.csv?limit=5001&state=lost`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { fields: object }).fields).sort()).toEqual([
      'query.limit',
      'query.state',
    ]);
  });

  it('GET /messages/:id/rendered gives the exact bytes the next hop got, beside the original', async () => {
    const id = await send('klant@klant.example', 'Factuur 2024-019');
    const [got] = await arrived(sink, id);
    await settled(id, 'sent');
    const res = await api(gw, 'GET', `/messages/${id}/rendered`);
    expect(res.status).toBe(200);
    const body = res.body as { original: { text: string }; sent: { base64: string; text: string } };
    expect(Buffer.from(body.sent.base64, 'base64').equals(got!.raw)).toBe(true);
    expect(body.original.text).toContain('Subject: Factuur 2024-019');
    expect(body.original.text).not.toEqual(body.sent.text);
  });

  it("another tenant's token never sees the first tenant's messages, exports or bytes", async () => {
    const id = await send('klant@klant.example', 'Factuur 2024-020');
    await arrived(sink, id);
    const own = await other.client.sendMail({
      from: 'info@bolt.example',
      to: 'x@klant.example',
      subject: 'Bolt 1',
      text: 'x',
    });
    const ownId = queueIdOf(own.response);
    expect((await asTenant(other.token, `/messages/${id}/rendered`)).status).toBe(404);
    expect((await asTenant(other.token, `/messages/${id}`)).status).toBe(404);
    const csv = await (await asTenant(other.token, '/messages.csv?client=klant.example')).text();
    expect(csv).not.toContain(id);
    expect(csv).toContain(ownId);
    const list = (await (await asTenant(other.token, `/messages?tenant=${gw.tenantId}&state=sent`)).json()) as {
      messages: unknown[];
    };
    expect(list.messages).toEqual([]);
  });
});
