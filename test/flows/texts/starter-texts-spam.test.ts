import { describe, expect, it } from 'vitest';
import { buildMime } from '../../../src/pipeline/content/build-mime.js';
import { composeMessage } from '../../../src/pipeline/content/compose.js';
import { contentSettingsSchema } from '../../../src/pipeline/content/content-settings.js';
import { STARTER_TEXTS } from '../../../src/pipeline/content/mail-texts/starter-texts.js';
import { lintMessage, lintTextTemplate } from '../../../src/pipeline/content/spam-lint.js';
import { addStarterTexts } from '../../../src/pipeline/content/text-library.js';
import { DOCUMENT_TYPES } from '../../../src/pipeline/detect/document-types.js';
import { HAS_SPAMASSASSIN, SKIP_NOTE, spamScores } from '../../helpers/spamassassin.js';

/**
 * The starter texts, rendered as a client would get them (default layout, subject and variables filled in),
 * pass our spam lint without a finding and score at most 0 in SpamAssassin's local rules: all of them in one
 * SpamAssassin run, since each run costs a second or more to start.
 */
const LANGUAGES = ['nl', 'fr', 'en', 'de'] as const;
const VARIABLES = {
  'document-number': '2024-0042',
  amount: '€ 1.250,00',
  'due-date': '30/04/2024',
  'client-name': 'Piet Pieters',
};
const SUBJECTS = { nl: 'Document %document-number%', fr: 'Document %document-number%' };

const settings = contentSettingsSchema.parse({
  companyName: 'Bakkerij Jansen',
  ...addStarterTexts(contentSettingsSchema.parse({})).library,
  subjects: Object.fromEntries(DOCUMENT_TYPES.map((t) => [t, { ...SUBJECTS, en: 'Document %document-number%' }])),
});

const cases = STARTER_TEXTS.flatMap((text) =>
  LANGUAGES.map((language) => {
    const detection = { documentType: text.documentType, variables: VARIABLES, matchedRule: null };
    const composed = composeMessage(
      { subject: '', text: '', html: false, attachments: [] },
      settings,
      detection,
      language,
      text.name,
    );
    return { name: `${text.name}/${language}`, template: text.variants[language] ?? '', composed };
  }),
);

describe('starter texts', () => {
  it('exist for every document type in nl, fr, en and de, and are the defaults of an empty library', () => {
    for (const type of DOCUMENT_TYPES)
      expect(
        STARTER_TEXTS.some((t) => t.documentType === type),
        type,
      ).toBe(true);
    for (const text of STARTER_TEXTS) expect(Object.keys(text.variants).sort()).toEqual([...LANGUAGES].sort());
    expect(Object.keys(settings.defaultTexts).sort()).toEqual([...DOCUMENT_TYPES].sort());
    for (const c of cases) expect(c.composed.text, c.name).not.toMatch(/%[a-z-]+%/);
  });

  it('pass the spam lint without a finding', () => {
    for (const c of cases) {
      expect(lintTextTemplate(c.template), c.name).toEqual([]);
      expect(lintMessage(c.composed, { clientName: VARIABLES['client-name'] }), c.name).toEqual([]);
    }
  });

  it('score at most 0 in SpamAssassin (local rules, behind a public hop)', async (ctx) => {
    if (!HAS_SPAMASSASSIN) {
      console.warn(SKIP_NOTE);
      ctx.skip(SKIP_NOTE);
    }
    const raws = await Promise.all(
      cases.map((c, i) =>
        buildMime(c.composed, [
          { key: 'from', line: 'From: Bakkerij Jansen <facturen@jansen.example>' },
          { key: 'to', line: 'To: Piet Pieters <piet@klant.example>' },
          { key: 'date', line: 'Date: Tue, 02 Apr 2024 10:00:00 +0200' },
          { key: 'message-id', line: `Message-ID: <20240402100000.starter-${i}@jansen.example>` },
        ]),
      ),
    );
    const scores = await spamScores(raws);
    const worst = Math.max(...scores.map((s) => s.score));
    console.log(`spamassassin -L: ${cases.length} starter texts, highest score ${worst.toFixed(1)}`);
    cases.forEach((c, i) => {
      const s = scores[i];
      expect(s, c.name).toBeDefined();
      expect(s?.score, `${c.name} [${s?.tests}]`).toBeLessThanOrEqual(0);
    });
  }, 120_000);
});
