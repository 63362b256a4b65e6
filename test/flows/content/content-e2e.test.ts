import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../../helpers/sink.js';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import { api, arrived, headerOf, legacyClient, queueIdOf, startSenderGateway } from '../../helpers/sender-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { LONG_INVOICE_CONTENT } from '../../helpers/long-invoice.js';

/** Content settings through the API, then a legacy invoice through the real gateway to a sink. */
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const FIXTURE = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);

const SETTINGS = {
  companyName: 'Bakkerij Jansen',
  subjects: { invoice: { nl: '%Document-type% %document-number% van %company-name%' } },
  texts: {
    Facturen: {
      nl:
        'Beste %client-name%,\n\nIn bijlage vindt u factuur %document-number%.\nGelieve te betalen binnen de ' +
        'termijn.\nVermeld het factuurnummer bij uw betaling.\n\nBedankt voor uw vertrouwen,\n%company-name%',
    },
  },
  defaultTexts: { invoice: 'Facturen' },
  body: { invoice: 'replace' },
};

describe('content settings end to end', () => {
  let sink: Sink;
  let gw: TestGateway;
  let legacy: Buffer;
  let legacyParsed: ParsedMail;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    legacy = await readFile(FIXTURE);
    legacyParsed = await simpleParser(legacy);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  const content = (body?: unknown) =>
    api(gw, body === undefined ? 'GET' : 'PUT', `/tenants/${gw.tenantId}/content`, body);

  async function sendLegacy(to: string[] = ['piet@klant.example']): Promise<string> {
    const info = await legacyClient(gw).sendMail({ envelope: { from: 'facturen@jansen.example', to }, raw: legacy });
    return queueIdOf(info.response);
  }

  it('GET: everything off by default', async () => {
    const got = await content();
    expect(got.status).toBe(200);
    expect(got.body.enabled).toBe(false);
    expect((got.body.settings as { openTracking: boolean }).openTracking).toBe(false);
  });

  it(
    'tenants without content settings get byte-identical messages (apart from our trace and identity headers, ' +
      "and the package's DKIM signature, which the new From would break)",
    async () => {
      const id = await sendLegacy();
      const [got] = await arrived(sink, id);
      const body = (raw: Buffer) => raw.subarray(raw.indexOf('\r\n\r\n'));
      expect(body(got!.raw).equals(body(legacy))).toBe(true);
      expect(headerOf(got!.raw, 'Subject')).toEqual(['Factuur 2024-0012']);
      const signatures = headerOf(got!.raw, 'DKIM-Signature');
      expect(signatures.some((v) => v.includes('d=jansen.example'))).toBe(false);
      expect(signatures.some((v) => v.includes('d=send.postbode.test'))).toBe(true);
    },
  );

  it('PUT with an unknown variable: 400 naming it', async () => {
    const res = await content({ subjects: { invoice: { nl: 'Factuur %factuurnummer%' } } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('%factuurnummer%');
    expect((await content()).body.enabled).toBe(false);
  });

  it('PUT with "BETAAL NU!!!": saved, with lint warnings and their positions', async () => {
    const res = await content({
      enabled: false,
      subjects: { invoice: { nl: 'BETAAL NU!!! factuur %document-number%' } },
    });
    expect(res.status).toBe(200);
    const warnings = res.body.warnings as Array<{ field: string; rule: string; start: number; end: number }>;
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'subjects.invoice.nl', rule: 'capitals', start: 0, end: 9 }),
        expect.objectContaining({ field: 'subjects.invoice.nl', rule: 'exclamation' }),
      ]),
    );
    expect((await content()).body.settings).toMatchObject({
      subjects: { invoice: { nl: 'BETAAL NU!!! factuur %document-number%' } },
    });
  });

  it('a custom layout is validated (no script) and its CSS inlined with juice', async () => {
    const bad = await content({ layout: { custom: '<html><body><script>x()</script>%content%</body></html>' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('script');
    const good = await content({
      enabled: false,
      layout: { custom: '<html><head><style>p{color:#123456}</style></head><body><p>%content%</p></body></html>' },
    });
    expect(good.status).toBe(200);
    const layout = (good.body.settings as { layout: { custom: string } }).layout.custom;
    expect(layout).toContain('<p style="color: #123456;">%content%</p>');
  });

  it('preview renders subject, text and HTML without sending', async () => {
    await content({ ...SETTINGS, enabled: false });
    const before = sink.messages.length;
    const res = await api(gw, 'POST', `/tenants/${gw.tenantId}/content/preview`, {
      variables: { 'document-number': 'F-99', 'client-name': 'Jan' },
      language: 'nl',
      documentType: 'invoice',
    });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('Factuur F-99 van Bakkerij Jansen');
    expect(res.body.text).toContain('Beste Jan,');
    expect(res.body.html).toContain('Bakkerij Jansen');
    const custom = await api(gw, 'POST', `/tenants/${gw.tenantId}/content/preview`, {
      subject: 'Nota %nope%',
      variables: {},
      language: 'nl',
      documentType: 'invoice',
    });
    expect(custom.status).toBe(400);
    expect(JSON.stringify(custom.body)).toContain('%nope%');
    expect(sink.messages.length).toBe(before);
  });

  it('preview: a generic greeting is a warning in nl, fr, en and de, and so is an empty %client-name%', async () => {
    await content({ ...SETTINGS, enabled: false });
    const body = 'In bijlage vindt u factuur %document-number%.\nGelieve te betalen binnen de termijn.\nDank u.';
    const preview = (over: Record<string, unknown>) =>
      api(gw, 'POST', `/tenants/${gw.tenantId}/content/preview`, { documentType: 'invoice', ...over });
    const greetings = (answer: { body: Record<string, unknown> }) =>
      (answer.body.warnings as Array<{ field: string; rule: string; start: number; end: number }>).filter(
        (w) => w.rule === 'generic-greeting',
      );
    for (const [language, greeting] of [
      ['nl', 'Beste klant,'],
      ['fr', 'Cher client,'],
      ['en', 'Dear customer,'],
      ['de', 'Sehr geehrte Damen und Herren,'],
    ] as const) {
      const res = await preview({ text: `${greeting}\n\n${body}`, variables: {}, language });
      expect(res.status).toBe(200);
      expect(greetings(res), language).toEqual([
        expect.objectContaining({ field: 'text', start: 0, end: greeting.length }),
      ]);
    }
    // The saved text greets with %client-name%: fine with a name, generic without one.
    expect(greetings(await preview({ variables: { 'client-name': 'Jan' }, language: 'nl' }))).toEqual([]);
    expect(greetings(await preview({ variables: {}, language: 'nl' }))).toEqual([
      expect.objectContaining({ field: 'text', start: 0, end: 'Beste ,'.length }),
    ]);
  });

  it('preview with open tracking on: a short message gets no pixel; a logo makes it image-only', async () => {
    const preview = () =>
      api(gw, 'POST', `/tenants/${gw.tenantId}/content/preview`, {
        variables: { 'client-name': 'Jan', 'document-number': 'F-1' },
        language: 'nl',
        documentType: 'invoice',
      });
    const rules = (answer: { body: Record<string, unknown> }) =>
      (answer.body.warnings as Array<{ field: string; rule: string }>).map((w) => `${w.field} ${w.rule}`);
    const logo = { logoUrl: 'https://jansen.example/logo.png' };
    expect((await content({ ...SETTINGS, ...logo, enabled: false, openTracking: true })).status).toBe(200);
    expect(rules(await preview())).toEqual(['html image-only', 'openTracking tracking-short-html']);
    const long = { ...SETTINGS, ...LONG_INVOICE_CONTENT, enabled: false, openTracking: true };
    expect((await content({ ...long, ...logo })).status).toBe(200);
    expect(rules(await preview())).toEqual([]);
    // Not in force (plain text): nothing to say about the pixel.
    expect((await content({ ...SETTINGS, enabled: false, openTracking: true, layout: 'none' })).status).toBe(200);
    expect(rules(await preview())).toEqual([]);
  });

  it("at send time: a legacy body's generic greeting is noted in the message log", async () => {
    expect((await content({ companyName: 'Bakkerij Jansen', enabled: true })).status).toBe(200);
    const id = await sendLegacy();
    await arrived(sink, id);
    const note = (await api(gw, 'GET', `/messages/${id}`)).body.content as { lint: Array<{ rule: string }> };
    expect(note.lint.map((w) => w.rule)).toContain('generic-greeting');
  });

  it(
    'a legacy invoice arrives with the templated subject, the tenant text, the default layout and identical ' +
      'attachments',
    async () => {
      expect((await content({ ...SETTINGS, enabled: true })).status).toBe(200);
      const id = await sendLegacy();
      const [got] = await arrived(sink, id);
      expect(headerOf(got!.raw, 'Subject')).toEqual(['Factuur 2024-0012 van Bakkerij Jansen']);
      expect(headerOf(got!.raw, 'Message-ID')).toEqual(['<20240402100000.0012@legacy.jansen.example>']);
      // the legacy DKIM signature is over the old body: never carried over
      expect(headerOf(got!.raw, 'DKIM-Signature').some((v) => v.includes('d=jansen.example'))).toBe(false);
      const parsed = await simpleParser(got!.raw);
      expect(parsed.text).toContain('Beste Piet Pieters,');
      expect(parsed.text).toContain('In bijlage vindt u factuur 2024-0012.');
      expect(typeof parsed.html === 'string' ? parsed.html : '').toContain('Bakkerij Jansen');
      expect(parsed.attachments.map((a) => [a.filename, sha256(a.content)])).toEqual(
        legacyParsed.attachments.map((a) => [a.filename, sha256(a.content)]),
      );
      expect(parsed.attachments.map((a) => a.filename)).toEqual(['Factuur_2024-0012.pdf', '2024-0012.xml']);

      const log = await waitFor(async () => {
        const answer = await api(gw, 'GET', `/messages/${id}`);
        return answer.body.content === undefined ? undefined : answer.body;
      });
      expect(log.content).toMatchObject({
        documentType: 'invoice',
        documentNumber: '2024-0012',
        subjectFrom: 'template',
        bodyFrom: 'text',
      });
    },
  );
});
