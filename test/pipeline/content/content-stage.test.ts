import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { QueuedMessage } from '../../../src/core/types.js';
import { applyContent, contentActive, type ContentStageDeps } from '../../../src/pipeline/content/content-stage.js';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';
import type { StoredContentSettings } from '../../../src/pipeline/content/content-settings-store.js';

const FIXTURE = new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url);
const HTML_FIXTURE = new URL('../../fixtures/content/legacy-html-fr.eml', import.meta.url);
const message = { id: 'Q1', tenantId: 'T1' } as QueuedMessage;

function deps(stored: StoredContentSettings | undefined): ContentStageDeps {
  return {
    store: { get: () => stored },
    logger: pino({ level: 'silent' }),
    clock: () => 1000,
  };
}

const on = (input: Record<string, unknown>): StoredContentSettings => ({
  enabled: true,
  settings: contentSettingsSchema.parse(input),
  updatedAt: 1,
});

describe('content stage', () => {
  it('is active only when the tenant switched it on', () => {
    expect(contentActive(undefined)).toBe(false);
    expect(contentActive({ ...on({}), enabled: false })).toBe(false);
    expect(contentActive(on({}))).toBe(true);
  });

  it('passes the message through untouched (not parsed) when off', async () => {
    // Not a mail at all: parsing would still "work", so the proof is that undefined (no note either) comes back.
    expect(
      await applyContent(deps(undefined), message, Buffer.from('garbage'), { recipient: 'a@b.example' }),
    ).toBeUndefined();
    expect(
      await applyContent(deps({ ...on({}), enabled: false }), message, Buffer.from('x'), {
        recipient: 'a@b.example',
      }),
    ).toBeUndefined();
  });

  it('renders the subject template and text, keeps addresses, ids and trace headers, with a note', async () => {
    const raw = Buffer.concat([Buffer.from('Received: from x by gw (Postbode) id Q1\r\n'), await readFile(FIXTURE)]);
    const stored = on({
      companyName: 'Jansen',
      subjects: { invoice: { nl: 'Factuur %document-number%' } },
      texts: { F: { nl: 'Beste %client-name%,\n\nzie bijlage.' } },
      defaultTexts: { invoice: 'F' },
      body: { invoice: 'replace' },
    });
    const outcome = await applyContent(deps(stored), message, raw, { recipient: 'piet@klant.example' });
    const out = outcome?.rendered;
    const parsed = await simpleParser(out!.raw);
    expect(parsed.subject).toBe('Factuur 2024-0012');
    expect(parsed.text).toContain('Beste Piet Pieters,');
    expect(parsed.messageId).toBe('<20240402100000.0012@legacy.jansen.example>');
    expect(out!.raw.toString('latin1')).toMatch(/^Received: from x by gw \(Postbode\) id Q1\r\n/);
    expect(out!.raw.toString('latin1')).not.toMatch(/^X-Mailer:/m);
    expect(out!.composed.html).toContain('Jansen');
    expect(outcome?.note).toMatchObject({
      documentType: 'invoice',
      documentNumber: '2024-0012',
      subjectFrom: 'template',
      bodyFrom: 'text',
      language: 'nl',
    });
  });

  it(
    'leaves legacy HTML to the tracking stage: ' + 'content off means nothing rendered, even with an HTML part',
    async () => {
      expect(
        await applyContent(deps(undefined), message, await readFile(HTML_FIXTURE), { recipient: 'a@b.example' }),
      ).toBeUndefined();
    },
  );

  it('a rendering failure sends the legacy message as it came and says so in the annotation', async () => {
    const broken = { enabled: true, settings: {} as never, updatedAt: 1 };
    const out = await applyContent(deps(broken), message, await readFile(FIXTURE), { recipient: 'a@b.example' });
    expect(out?.rendered).toBeUndefined();
    expect(out?.note.failed).toBeTruthy();
  });
  it('settings saved before the text library had textTypes still render a text the package chose', async () => {
    const { textTypes: _none, ...older } = on({
      texts: { Herinnering: { nl: 'Beste %client-name%,\n\nHERINNERING.' } },
    }).settings;
    const stored = { enabled: true, settings: older as StoredContentSettings['settings'], updatedAt: 1 };
    const raw = Buffer.from(
      (await readFile(FIXTURE)).toString('latin1').replace(/^Subject: /m, 'Subject: [text:herinnering] '),
      'latin1',
    );
    const outcome = await applyContent(deps(stored), message, raw, { recipient: 'piet@klant.example' });
    expect(outcome?.note.failed).toBeUndefined();
    expect(outcome?.note.text).toBe('Herinnering');
    const parsed = await simpleParser(outcome!.rendered!.raw);
    expect(parsed.text).toContain('HERINNERING.');
    expect(parsed.subject).not.toContain('[text:');
  });
});
