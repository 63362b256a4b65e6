import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { contentSettingsSchema } from '../../../../src/pipeline/content/content-settings.js';
import { accountantText, ACCOUNTANT_VARIABLES } from '../../../../src/pipeline/content/mail-texts/accountant.js';
import { MAIL_LANGUAGES, mailLanguage } from '../../../../src/pipeline/content/mail-texts/pick-text.js';
import { samplePdf } from '../../../../src/pipeline/content/mail-texts/sample-pdf.js';
import { TEST_INVOICE_NUMBER, testInvoiceText } from '../../../../src/pipeline/content/mail-texts/test-invoice.js';
import { accountantContent, isAccountantCopy } from '../../../../src/pipeline/copies/sender-accountant.js';
import { checkTemplate } from '../../../../src/pipeline/content/template-syntax.js';
import { BUILTIN_VARIABLES } from '../../../../src/pipeline/content/variables.js';

const known = new Set<string>([...BUILTIN_VARIABLES, ...ACCOUNTANT_VARIABLES]);

describe('mail texts', () => {
  it('exist in nl, fr, en and de, differ per language, and use only known variables', () => {
    for (const texts of [accountantText, testInvoiceText]) {
      const subjects = new Set(MAIL_LANGUAGES.map((l) => texts(l).subject));
      expect(subjects.size).toBe(4);
      for (const language of MAIL_LANGUAGES) {
        const { subject, text } = texts(language);
        expect(checkTemplate(subject, known, { headerBound: true })).toEqual([]);
        expect(checkTemplate(text, known)).toEqual([]);
      }
    }
  });

  it('falls back to the primary subtag, then English', () => {
    expect(mailLanguage('nl-BE')).toBe('nl');
    expect(mailLanguage('fr')).toBe('fr');
    expect(mailLanguage('es')).toBe('en');
    expect(testInvoiceText('es').subject).toMatch(/^Test invoice – /);
  });

  it('test invoice subjects say it is a test', () => {
    expect(testInvoiceText('nl').subject).toMatch(/^Testfactuur – /);
    expect(testInvoiceText('en').subject).toMatch(/^Test invoice – /);
    expect(testInvoiceText('fr').subject).toMatch(/^Facture de test – /);
    expect(testInvoiceText('de').subject).toMatch(/^Testrechnung – /);
  });
});

describe('sample PDF', () => {
  it('is a small, well-formed PDF whose xref offsets point at its objects', () => {
    const pdf = samplePdf(`Testfactuur ${TEST_INVOICE_NUMBER} (niet) betalen – €`);
    expect(pdf.length).toBeLessThan(1000);
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.endsWith('%%EOF\n')).toBe(true);
    expect(text).toContain('\\(niet\\)');
    expect(text).not.toMatch(/[^\x00-\x7f]/);
    const startxref = Number(/startxref\n(\d+)/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(5);
    offsets.forEach((offset, i) => expect(text.slice(offset, offset + 8)).toBe(`${i + 1} 0 obj\n`));
  });
});

describe('accountant content', () => {
  const mail = (subject: string) =>
    simpleParser(`From: a@acme.test\r\nTo: jan@x.test\r\nSubject: ${subject}\r\n\r\nBody\r\n`);

  it("uses the tenant template in the accountant's language, else the built-in text in it", async () => {
    const settings = contentSettingsSchema.parse({
      companyName: 'Acme',
      recipientLanguages: { 'els@acct.test': 'fr' },
      accountant: { subject: { nl: '%company-name% – %original-subject% (%document-count%)' } },
    });
    const nl = accountantContent(await mail('Factuur 12'), settings, 'acct@acct.test', 2);
    expect(nl).toMatchObject({ subject: 'Acme – Factuur 12 (2)', language: 'nl' });
    expect(nl.text).toContain('Voor uw administratie');
    const fr = accountantContent(await mail('Factuur 12'), settings, 'els@acct.test', 2);
    // A tenant template in the default language wins over the built-in text of another language, as for client mail.
    expect(fr.subject).toBe('Acme – Factuur 12 (2)');
    expect(fr.text).toContain('Pour votre comptabilité');
  });

  it('refuses unknown variables in accountant templates and allows the copy-only ones', () => {
    const bad = contentSettingsSchema.safeParse({ accountant: { text: { en: 'Hi %nope%' } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['accountant', 'text', 'en']);
    const lineBreak = contentSettingsSchema.safeParse({ accountant: { subject: { en: 'a\nb' } } });
    expect(lineBreak.success).toBe(false);
    expect(
      contentSettingsSchema.safeParse({ accountant: { subject: { en: '%original-subject% %document-count%' } } })
        .success,
    ).toBe(true);
    expect(contentSettingsSchema.safeParse({ constants: { 'original-subject': 'x' } }).success).toBe(false);
  });

  it("knows a copy by its recipients' roles", () => {
    expect(isAccountantCopy({ recipients: [{ address: 'a@x.test', role: 'accountant' }] })).toBe(true);
    expect(
      isAccountantCopy({ recipients: [{ address: 'a@x.test' }, { address: 'b@x.test', role: 'accountant' }] }),
    ).toBe(false);
    expect(isAccountantCopy({ recipients: [] })).toBe(false);
  });
});
