import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMime, pickHeaders } from '../../../src/pipeline/content/build-mime.js';
import { chooseLanguage } from '../../../src/pipeline/content/choose-language.js';
import { composeMessage } from '../../../src/pipeline/content/compose.js';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';
import { detectDocument } from '../../../src/pipeline/detect/detect.js';
import { detectionInputFrom } from '../../../src/pipeline/detect/detection-input.js';
import { lintMessage } from '../../../src/pipeline/content/spam-lint.js';
import { classifyOpen } from '../../../src/feedback/opens/classify-open.js';
import { injectPixel, pixelUrl } from '../../../src/pipeline/tracking/pixel.js';
import { makeToken, verifyToken } from '../../../src/feedback/opens/tracking-token.js';

/**
 * The whole content library as the pipeline will use it: legacy mail in, one rendered MIME
 * message per recipient out, with a pixel whose token identifies that recipient.
 */
const SECRET = 'integration-test-secret-of-at-least-32-bytes';
const BASE = 'https://mail.postbode.example';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const settings = contentSettingsSchema.parse({
  companyName: 'Bakkerij Jansen',
  subjects: {
    invoice: {
      nl: '%Document-type% %document-number% van %company-name%',
      fr: '%Document-type% %document-number% de %company-name%',
    },
  },
  texts: {
    Facturen: {
      nl:
        'Beste %client-name%,\n\nIn bijlage vindt u factuur %document-number%.\n' +
        'Het bedrag van %amount% mag u overmaken vóór %due-date%.\nVermeld het factuurnummer bij uw betaling.\n\n' +
        'Bedankt voor uw vertrouwen,\n%company-name%',
      fr:
        'Bonjour %client-name%,\n\nVeuillez trouver ci-joint la facture %document-number%.\n' +
        'Le montant de %amount% est à payer avant le %due-date%.\nMerci de mentionner le numéro de facture.\n\n' +
        'Avec nos remerciements,\n%company-name%',
    },
  },
  defaultTexts: { invoice: 'Facturen' },
  body: { invoice: 'replace' },
  recipientLanguages: { 'piet@klant.example': 'fr' },
  openTracking: true,
});

let legacy: ParsedMail;
beforeAll(async () => {
  legacy = await simpleParser(
    await readFile(new URL('../../fixtures/content/legacy-invoice-nl.eml', import.meta.url)),
    { keepCidLinks: true },
  );
});

async function renderFor(recipient: string, counts: boolean): Promise<{ raw: Buffer; warnings: number }> {
  const detection = detectDocument(detectionInputFrom(legacy), settings.rules, settings.builtinRules);
  const { language } = chooseLanguage(detection, recipient, settings);
  const composed = composeMessage(legacy, settings, detection, language);
  const warnings = lintMessage(composed, {
    sendingDomain: 'jansen.example',
    clientName: detection.variables['client-name'],
  }).length;
  const token = makeToken(SECRET, { messageId: 'MSG-0012', recipient, counts });
  const html = composed.html === undefined ? undefined : injectPixel(composed.html, pixelUrl(BASE, token));
  const raw = await buildMime(
    { ...composed, ...(html !== undefined ? { html } : {}) },
    pickHeaders(legacy.headerLines, ['from', 'to', 'date', 'message-id']),
  );
  return { raw, warnings };
}

function tokenIn(html: string): string {
  const match = /<img src="https:\/\/mail\.postbode\.example\/t\/([A-Za-z0-9_-]+)\.gif"/.exec(html);
  if (!match?.[1]) throw new Error('no pixel in the HTML');
  return match[1];
}

describe('legacy invoice → rendered, tracked message', () => {
  it(
    'renders the client copy in the recipient language, lint-clean, with a counting pixel and the attachments ' +
      'intact',
    async () => {
      const { raw, warnings } = await renderFor('piet@klant.example', true);
      const back = await simpleParser(raw);
      expect(back.subject).toBe('Facture 2024-0012 de Bakkerij Jansen');
      expect(back.text?.trim()).toBe(
        'Bonjour Piet Pieters,\n\nVeuillez trouver ci-joint la facture 2024-0012.\n' +
          'Le montant de € 1.210,00 est à payer avant le 02-05-2024.\nMerci de mentionner le numéro de facture.\n\n' +
          'Avec nos remerciements,\nBakkerij Jansen',
      );
      expect(back.text).not.toContain('/t/');
      expect(warnings).toBe(0);
      const payload = verifyToken(SECRET, tokenIn(typeof back.html === 'string' ? back.html : ''));
      expect(payload).toEqual({ messageId: 'MSG-0012', recipient: 'piet@klant.example', counts: true });
      expect(back.attachments.map((a) => sha256(a.content))).toEqual(legacy.attachments.map((a) => sha256(a.content)));
    },
  );

  it('gives the archive copy a token that never counts, in the tenant default language', async () => {
    const { raw } = await renderFor('archief@jansen.example', false);
    const back = await simpleParser(raw);
    expect(back.subject).toBe('Factuur 2024-0012 van Bakkerij Jansen');
    const payload = verifyToken(SECRET, tokenIn(typeof back.html === 'string' ? back.html : ''));
    expect(payload).toEqual({ messageId: 'MSG-0012', recipient: 'archief@jansen.example', counts: false });
  });

  it('a pixel fetch is classified: a scanner at delivery is not a read, a person later is', () => {
    const deliveredAt = Date.UTC(2024, 3, 2, 10, 0, 0);
    expect(
      classifyOpen({
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) ppops',
        openedAt: deliveredAt + 900,
        deliveredAt,
      }),
    ).toBe('probably-automated');
    expect(
      classifyOpen({
        userAgent: 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)',
        openedAt: deliveredAt + 3_600_000,
        deliveredAt,
      }),
    ).toBe('human');
  });
});
