import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway-harness.js';
import {
  api,
  arrived,
  legacyClient,
  madeTenantClient,
  queueIdOf,
  startSenderGateway,
  type ApiAnswer,
} from '../../helpers/sender-harness.js';
import { startSink, type Sink } from '../../helpers/sink.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * A package that can only send SMTP chooses a text per message (marker or X-Postbode-* header), over real SMTP
 * to a sink: the chosen text arrives, the marker and the headers never do, a second tenant's names never resolve,
 * and with content rendering off only the marker and headers go.
 */
const REMINDER_2 = {
  nl:
    'Beste %client-name%,\n\nTWEEDE-HERINNERING voor factuur %document-number%.\n\n' +
    'Met vriendelijke groeten,\n%company-name%',
  fr: 'Bonjour %client-name%,\n\nDEUXIEME-RAPPEL pour la facture %document-number%.\n\nCordialement,\n%company-name%',
};
const OTHER_TENANT_TEXT = { nl: 'Beste %client-name%,\n\nGEHEIM-VAN-DE-ANDER.\n\nGroeten,\n%company-name%' };
const LEGACY_BODY = 'Beste klant,\n\nIn bijlage uw factuur.\n\nGroeten,\nBakkerij Jansen\n';

describe('choosing a text per message over SMTP', () => {
  let sink: Sink;
  let gw: TestGateway;
  let other: ApiAnswer;
  let otherId: string;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startSenderGateway(sink.port);
    const own = `/tenants/${gw.tenantId}`;
    expect((await api(gw, 'PUT', `${own}/content`, { enabled: true, companyName: 'Bakkerij Jansen' })).status).toBe(
      200,
    );
    expect((await api(gw, 'POST', `${own}/starter-texts`)).status).toBe(200);
    const put = await api(gw, 'PUT', `${own}/texts/herinnering-2`, { documentType: 'reminder', variants: REMINDER_2 });
    expect(put.status).toBe(200);
    other = await api(gw, 'POST', '/tenants', { name: 'Andere Zaak' });
    otherId = (other.body.tenant as { id: string }).id;
    // Content off for the other tenant: its texts exist but nothing is rendered.
    const otherContent = { enabled: false, texts: { geheim: OTHER_TENANT_TEXT }, defaultTexts: { invoice: 'geheim' } };
    expect((await api(gw, 'PUT', `/tenants/${otherId}/content`, otherContent)).status).toBe(200);
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.close();
  });

  interface Sent {
    readonly id: string;
    readonly raw: Buffer;
    readonly mail: ParsedMail;
  }

  async function send(
    mail: { subject: string; text?: string; headers?: Record<string, string> },
    client = legacyClient(gw),
  ): Promise<Sent> {
    const info = await client.sendMail({
      from: 'facturen@jansen.example',
      to: 'piet@klant.example',
      text: LEGACY_BODY,
      ...mail,
    });
    const id = queueIdOf(info.response);
    const [got] = await arrived(sink, id);
    return { id, raw: got!.raw, mail: await simpleParser(got!.raw) };
  }

  function expectNothingLeft(sent: Sent): void {
    const raw = sent.raw.toString('latin1');
    expect(raw.toLowerCase()).not.toContain('[text:');
    expect(raw).not.toMatch(/^X-Postbode-(Text|Language|Document-Type|Hold):/im);
  }

  const noteOf = (id: string) =>
    waitFor(
      async () => (await api(gw, 'GET', `/messages/${id}`)).body.content as Record<string, unknown> | undefined,
      8_000,
      `the content note of ${id}`,
    );

  it('a marker in the subject picks the text; the subject leaves without it', async () => {
    const sent = await send({ subject: '[text:herinnering-2] Factuur 2024-0101' });
    expect(sent.mail.text).toContain('TWEEDE-HERINNERING voor factuur 2024-0101');
    expect(sent.mail.subject).toBe('Factuur 2024-0101');
    expectNothingLeft(sent);
    // the chosen text is a reminder's: so is the message, though its subject says "Factuur"
    expect(await noteOf(sent.id)).toMatchObject({ text: 'herinnering-2', bodyFrom: 'text', documentType: 'reminder' });
  });

  it('a marker in the first lines of the body picks the text (name matched regardless of case)', async () => {
    const sent = await send({ subject: 'Factuur 2024-0102', text: `[text:Herinnering-2]\n${LEGACY_BODY}` });
    expect(sent.mail.text).toContain('TWEEDE-HERINNERING voor factuur 2024-0102');
    expectNothingLeft(sent);
  });

  it('X-Postbode-Text and X-Postbode-Language choose text and language; the headers never leave', async () => {
    const sent = await send({
      subject: 'Factuur 2024-0103',
      headers: { 'X-Postbode-Text': 'herinnering-2', 'X-Postbode-Language': 'fr', 'X-Postbode-Hold': 'no' },
    });
    expect(sent.mail.text).toContain('DEUXIEME-RAPPEL pour la facture 2024-0103');
    expectNothingLeft(sent);
    expect(await noteOf(sent.id)).toMatchObject({ text: 'herinnering-2', language: 'fr' });
  });

  it('X-Postbode-Document-Type overrides detection: the default text of that type is used', async () => {
    const sent = await send({ subject: 'Factuur 2024-0104', headers: { 'X-Postbode-Document-Type': 'reminder' } });
    expect(sent.mail.text).toContain('nog niet ontvangen');
    expectNothingLeft(sent);
    expect(await noteOf(sent.id)).toMatchObject({ documentType: 'reminder', text: 'reminder' });
  });

  it('an unknown name, language or type: the default text goes out, the message log says why', async () => {
    const sent = await send({
      subject: '[text:bestaat-niet] Factuur 2024-0105',
      headers: { 'X-Postbode-Language': 'not a language', 'X-Postbode-Document-Type': 'brief' },
    });
    expect(sent.mail.text).toContain('In de bijlage vindt u factuur 2024-0105');
    expectNothingLeft(sent);
    const note = await noteOf(sent.id);
    expect(note).toMatchObject({ documentType: 'invoice', text: 'invoice' });
    const notes = (note.notes as string[]).join('\n');
    expect(notes).toContain('no text named "bestaat-niet"');
    expect(notes).toContain('X-Postbode-Language');
    expect(notes).toContain('X-Postbode-Document-Type');
  });

  it("another tenant's text name never resolves", async () => {
    const sent = await send({ subject: 'Factuur 2024-0106', headers: { 'X-Postbode-Text': 'geheim' } });
    expect(sent.mail.text).not.toContain('GEHEIM-VAN-DE-ANDER');
    expect(sent.mail.text).toContain('In de bijlage vindt u factuur 2024-0106');
    expect(((await noteOf(sent.id)).notes as string[]).join()).toContain('no text named "geheim"');
  });

  it("the accountant's copy carries neither the marker nor the headers", async () => {
    const sender = { accountantAddress: 'boekhouder@acct.example', accountantMode: 'automatic' };
    expect((await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, sender)).status).toBe(200);
    const info = await legacyClient(gw).sendMail({
      from: 'facturen@jansen.example',
      to: 'piet@klant.example',
      subject: '[text:invoice] Factuur 2024-0108',
      text: LEGACY_BODY,
      headers: { 'X-Postbode-Text': 'invoice', 'X-Postbode-Language': 'nl' },
      attachments: [{ filename: 'factuur-2024-0108.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') }],
    });
    await arrived(sink, queueIdOf(info.response));
    const copy = await waitFor(
      () => sink.messages.find((m) => m.envelope.to.includes('boekhouder@acct.example') && m.raw.includes('2024-0108')),
      8_000,
      "the accountant's copy",
    );
    const mail = await simpleParser(copy.raw);
    expect(mail.subject).toContain('Factuur 2024-0108');
    expectNothingLeft({ id: '', raw: copy.raw, mail });
    await api(gw, 'PUT', `/tenants/${gw.tenantId}/sender`, { accountantMode: 'off' });
  });

  it('content off: only the marker and the headers go, the body is otherwise as sent', async () => {
    const sent = await send(
      {
        subject: '[text:geheim] Factuur 2024-0107',
        text: `[text:geheim]\n${LEGACY_BODY}`,
        headers: { 'X-Postbode-Text': 'geheim', 'X-Postbode-Document-Type': 'reminder' },
      },
      madeTenantClient(gw, other),
    );
    expect(sent.mail.subject).toBe('Factuur 2024-0107');
    expect(sent.mail.text).toBe(LEGACY_BODY);
    expectNothingLeft(sent);
  });
});
