import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireEncode } from '../../../src/mime/wire-encoding.js';
import { transparentGif } from '../../../src/pipeline/tracking/pixel.js';
import { startConfiguredGateway, testConfig, type TestGateway } from '../../helpers/gateway-harness.js';
import { ADMIN, api, arrived, legacyClient, PLATFORM, queueIdOf } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { LONG_INVOICE_CONTENT } from '../../helpers/long-invoice.js';
import { startSink, type Sink } from '../../helpers/sink.js';

/**
 * Open tracking through the real gateway: per-recipient pixels, the public pixel route, the
 * "read" status in the message log. The gateway's clock can be moved forward, so that an
 * open counts as a person's (opens within seconds of delivery are a scanner's).
 */
const PUBLIC_BASE = 'https://pixel.postbode.test';
const HUMAN_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const FIXTURE = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);
/**
 * Legacy HTML mail: QP HTML alternative with </body> in a comment, textarea, attribute, script; a malformed base64 PDF.
 */
const HTML_FIXTURE = new URL('../../fixtures/tracking/html-qp-mixed.eml', import.meta.url);

interface Opens {
  [address: string]: { status: string; count: number; humanOpens: number; automatedOpens: number };
}

describe('open tracking end to end', () => {
  let sink: Sink;
  let tenantServer: Sink;
  let gw: TestGateway;
  let offset = 0;

  beforeAll(async () => {
    sink = await startSink();
    tenantServer = await startSink();
    const dataDir = await mkdtemp(join(tmpdir(), 'postbode-track-'));
    const base = testConfig(dataDir, sink.port, { platform: PLATFORM });
    const config = { ...base, http: { ...base.http, publicBaseUrl: PUBLIC_BASE } };
    gw = await startConfiguredGateway(config, {
      clock: () => Date.now() + offset,
      env: { POSTBODE_ADMIN_TOKEN: ADMIN, POSTBODE_SECRET_KEY: 'cd'.repeat(32) },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([sink?.close(), tenantServer?.close()]);
  });

  const pixel = async (token: string, userAgent?: string) =>
    fetch(`http://127.0.0.1:${gw.gateway.httpPort}/t/${token}.gif`, {
      headers: userAgent === undefined ? {} : { 'user-agent': userAgent },
    });
  const opensOf = async (id: string): Promise<Opens> =>
    ((await api(gw, 'GET', `/messages/${id}`)).body.opens ?? {}) as Opens;

  async function tokenIn(raw: Buffer): Promise<string> {
    const parsed = await simpleParser(raw);
    const html = typeof parsed.html === 'string' ? parsed.html : '';
    const match = /<img src="https:\/\/pixel\.postbode\.test\/t\/([A-Za-z0-9_-]+)\.gif"/.exec(html);
    if (!match?.[1]) throw new Error('no pixel in the HTML');
    expect(html.match(/\/t\/[A-Za-z0-9_-]+\.gif/g)).toHaveLength(1);
    return match[1];
  }

  it(
    'each client recipient gets its own pixel; the archive its own transaction and no pixel, what the client ' +
      'got; opens flip the client to read',
    async () => {
      expect(
        (await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { archiveAddress: 'archive@backup.test' })).status,
      ).toBe(200);
      expect(
        (
          await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
            enabled: true,
            openTracking: true,
            ...LONG_INVOICE_CONTENT,
          })
        ).status,
      ).toBe(200);
      const info = await legacyClient(gw).sendMail({
        envelope: { from: 'facturen@jansen.example', to: ['piet@klant.example', 'jan@klant.example'] },
        raw: await readFile(FIXTURE),
      });
      const id = queueIdOf(info.response);
      const got = await arrived(sink, id, 3);
      expect(got.map((m) => m.envelope.to.join(',')).sort()).toEqual([
        'archive@backup.test',
        'jan@klant.example',
        'piet@klant.example',
      ]);
      const byTo = new Map(got.map((m) => [m.envelope.to[0]!, m.raw]));
      const clients = ['piet@klant.example', 'jan@klant.example'];
      const tokens = new Map(await Promise.all(clients.map(async (a) => [a, await tokenIn(byTo.get(a)!)] as const)));
      expect(new Set(tokens.values()).size).toBe(2);
      // The backup is the client's message without a tracking request of its own.
      const archive = String((await simpleParser(byTo.get('archive@backup.test')!)).html);
      expect(archive).not.toMatch(/\/t\/[A-Za-z0-9_-]+\.gif/);
      const client = String((await simpleParser(byTo.get('piet@klant.example')!)).html);
      expect(client.replace(/<img src="https:\/\/pixel[^>]*>/, '')).toBe(archive);
      await waitFor(
        async () =>
          (
            (await api(gw, 'GET', `/messages/${id}`)).body.message as { recipients: { status: string }[] }
          ).recipients.every((r) => r.status === 'delivered') || undefined,
      );

      // at once, by a script: recorded, but not a person's read
      const first = await pixel(tokens.get('piet@klant.example')!, 'curl/8.5.0');
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('image/gif');
      expect(first.headers.get('cache-control')).toContain('no-store');
      expect(Buffer.from(await first.arrayBuffer()).equals(transparentGif())).toBe(true);
      const automated = await waitFor(async () => (await opensOf(id))['piet@klant.example']);
      expect(automated).toMatchObject({
        status: 'opened (probably automated)',
        count: 1,
        automatedOpens: 1,
        humanOpens: 0,
      });

      offset += 60_000;
      await pixel(tokens.get('piet@klant.example')!, HUMAN_UA);
      const read = await waitFor(async () => {
        const opens = await opensOf(id);
        return opens['piet@klant.example']?.count === 2 ? opens : undefined;
      });
      expect(read['piet@klant.example']).toMatchObject({ status: 'read', humanOpens: 1 });
      expect(read['archive@backup.test']).toBeUndefined();
      expect(read['jan@klant.example']).toBeUndefined();
    },
  );

  it('forged or modified tokens get the same GIF and count nothing', async () => {
    const info = await legacyClient(gw).sendMail({
      envelope: { from: 'facturen@jansen.example', to: ['kees@klant.example'] },
      raw: await readFile(FIXTURE),
    });
    const id = queueIdOf(info.response);
    const [got] = await arrived(sink, id);
    const token = await tokenIn(got!.raw);
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    for (const forged of [flipped, `${token}A`, 'AAAA', 'x'.repeat(2000)]) {
      const res = await pixel(forged, HUMAN_UA);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(transparentGif())).toBe(true);
    }
    // a genuine open after the forged ones proves the recording works and that only it counted
    offset += 60_000;
    await pixel(token, HUMAN_UA);
    const opens = await waitFor(async () => (await opensOf(id))['kees@klant.example']);
    expect(opens).toMatchObject({ status: 'read', count: 1 });
  });

  it(
    'tracking alone edits the HTML part only: every other byte and header as the client sent it, one pixel ' +
      'before the real </body>',
    async () => {
      expect(
        (await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { enabled: false, openTracking: true })).status,
      ).toBe(200);
      const original = await readFile(HTML_FIXTURE);
      const info = await legacyClient(gw).sendMail({
        envelope: { from: 'facturen@jansen.example', to: ['els@klant.example'] },
        raw: original,
      });
      const [got] = await arrived(sink, queueIdOf(info.response));
      const sent = got!.raw;
      for (const line of [
        'X-Legacy-Ledger: boekjaar=2024;\r\n\tdagboek=verkoop\r\n',
        'List-Unsubscribe: <mailto:uit@jansen.example>\r\n',
        'Content-Type: multipart/mixed; boundary="outer-1"\r\n',
        'Subject: Factuur 2024-0013\r\n',
        'MIME-Version: 1.0\r\n',
      ]) {
        expect(sent.includes(line)).toBe(true);
      }
      const bodyOf = (raw: Buffer) => raw.subarray(raw.indexOf('\r\n\r\n') + 4);
      // Signed mail leaves 7-bit: the 8-bit text/plain part goes quoted-printable (the wire stage), same text.
      const wire = wireEncode(original, { sevenBit: true });
      expect(wire.toString('latin1')).toContain('charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n');
      expect((await simpleParser(sent)).text).toBe((await simpleParser(original)).text);
      const htmlStart = wire.indexOf('X-Part-Note: kept\r\n\r\n') + 'X-Part-Note: kept\r\n\r\n'.length;
      const htmlEnd = wire.indexOf('\r\n--alt-2--');
      const before = bodyOf(wire.subarray(0, htmlStart));
      const after = wire.subarray(htmlEnd);
      const body = bodyOf(sent);
      // Everything but the HTML part's own body: byte for byte, the malformed PDF included.
      expect(body.subarray(0, before.length).equals(before)).toBe(true);
      expect(body.subarray(body.length - after.length).equals(after)).toBe(true);
      expect(after.equals(original.subarray(original.indexOf('\r\n--alt-2--')))).toBe(true);
      const token = await tokenIn(sent);
      const html = String((await simpleParser(sent)).html);
      const img = /<img src="https:\/\/pixel[^>]*>/.exec(html)![0];
      expect(html.indexOf(img)).toBe(html.lastIndexOf('</body>') - img.length);
      expect(html.replace(img, '')).toBe(String((await simpleParser(original)).html));
      const decoded = Buffer.from(token, 'base64url').toString('latin1').toLowerCase();
      for (const secret of ['els@klant.example', 'klant.example', 'els', queueIdOf(info.response).toLowerCase()])
        expect(decoded).not.toContain(secret);
    },
  );

  it("a second tenant cannot turn its own pixel token into an open of the first tenant's message", async () => {
    expect(
      (
        await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
          enabled: true,
          openTracking: true,
          ...LONG_INVOICE_CONTENT,
        })
      ).status,
    ).toBe(200);
    const victim = queueIdOf(
      (
        await legacyClient(gw).sendMail({
          envelope: { from: 'facturen@jansen.example', to: ['ria@klant.example'] },
          raw: await readFile(FIXTURE),
        })
      ).response,
    );
    await arrived(sink, victim);
    const made = (await api(gw, 'POST', '/tenants', { name: 'Mallory BV', smtpUsername: 'mallory-track' })) as {
      status: number;
      body: any;
    };
    expect(made.status).toBe(201);
    const malloryId = made.body.tenant.id as string;
    expect(
      (
        await api(gw, 'PUT', `/tenants/${malloryId}/content`, {
          enabled: true,
          openTracking: true,
          ...LONG_INVOICE_CONTENT,
        })
      ).status,
    ).toBe(200);
    const mallory = createTransport({
      host: '127.0.0.1',
      port: gw.gateway.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'mallory-track', pass: made.body.smtp.password as string },
    });
    // same length as ria@klant.example, so a keystream edit would line up
    const own = queueIdOf(
      (
        await mallory.sendMail({
          envelope: { from: 'm@mallory.example', to: ['zoe@mallorys.test'] },
          raw: await readFile(FIXTURE),
        })
      ).response,
    );
    const [mine] = await arrived(sink, own);
    const token = await tokenIn(mine!.raw);
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes.toString('latin1')).not.toContain('zoe@mallorys.test');
    // Knowing the layout (version | nonce | sealed(flags | id length | id | recipient) | tag), edit the
    // ciphertext so the plain text would name the victim's message and recipient: the tag must refuse it.
    const plainMine = Buffer.from(`${own}zoe@mallorys.test`, 'latin1');
    const plainVictim = Buffer.from(`${victim}ria@klant.example`, 'latin1');
    expect(plainVictim.length).toBe(plainMine.length);
    const forged = Buffer.from(bytes);
    for (let i = 0; i < plainMine.length; i++) forged[1 + 12 + 2 + i]! ^= plainMine[i]! ^ plainVictim[i]!;
    offset += 60_000;
    expect((await pixel(forged.toString('base64url'), HUMAN_UA)).status).toBe(200);
    await pixel(token, HUMAN_UA);
    await waitFor(async () => (await opensOf(own))['zoe@mallorys.test']);
    expect(await opensOf(victim)).toEqual({});
  });

  it(
    'openTracking is kept but reported as not in force ' + 'when the tenant sends through its own SMTP server',
    async () => {
      const path = `/tenants/${gw.tenantId}/sender`;
      const saved = await api(gw, 'PUT', path, {
        mode: 'forwarding',
        smtp: { host: '127.0.0.1', port: tenantServer.port, tls: 'opportunistic', rejectUnauthorized: false },
      });
      expect(saved.status).toBe(200);
      expect((await api(gw, 'POST', `${path}/test-send`, { to: 'check@acme.test' })).body).toMatchObject({ ok: true });
      expect((await api(gw, 'PUT', path, { mode: 'own-smtp' })).status).toBe(200);
      const kept = await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, {
        enabled: true,
        openTracking: true,
        ...LONG_INVOICE_CONTENT,
      });
      expect(kept.status).toBe(200);
      expect(kept.body.openTrackingInForce).toBe(false);
      expect(kept.body.warnings).toContainEqual(
        expect.objectContaining({
          field: 'openTracking',
          rule: 'tracking-own-smtp',
          message: expect.stringMatching(/own-smtp/),
        }),
      );
      expect(
        (await api(gw, 'PUT', `/tenants/${gw.tenantId}/content`, { enabled: true, openTracking: false })).status,
      ).toBe(200);
      await api(gw, 'PUT', path, { mode: 'forwarding' });
    },
  );
  it('a short invoice goes out without a pixel by default, with one when the tenant tracks short mail', async () => {
    const content = `/tenants/${gw.tenantId}/content`;
    const send = async (to: string) => {
      const info = await legacyClient(gw).sendMail({
        envelope: { from: 'facturen@jansen.example', to: [to] },
        raw: await readFile(FIXTURE),
      });
      const [got] = await arrived(sink, queueIdOf(info.response));
      return got!.raw.toString('latin1');
    };
    expect((await api(gw, 'PUT', content, { enabled: true, openTracking: true })).status).toBe(200);
    expect(await send('kort@klant.example')).not.toContain('pixel.postbode.test/t/');
    const preview = async () =>
      (await api(gw, 'POST', `${content}/preview`, { documentType: 'invoice', language: 'nl' })).body.warnings;
    expect(await preview()).toContainEqual(expect.objectContaining({ rule: 'tracking-short-html' }));

    const on = await api(gw, 'PUT', content, { enabled: true, openTracking: true, trackShortMessages: true });
    expect(on.status).toBe(200);
    expect(on.body.settings).toMatchObject({ trackShortMessages: true });
    expect(await tokenIn(Buffer.from(await send('kort2@klant.example'), 'latin1'))).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await preview()).toContainEqual(
      expect.objectContaining({ rule: 'tracking-short-html-tracked', message: expect.stringMatching(/anyway/) }),
    );
    expect((await api(gw, 'PUT', content, { openTracking: false, trackShortMessages: false })).status).toBe(200);
  });
});
