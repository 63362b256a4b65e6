import { describe, expect, it } from 'vitest';
import { contentSettingsSchema, type DetectionRule } from '../../../src/pipeline/content/content-settings.js';
import { detectDocument, detectDocumentYielding, type DetectionInput } from '../../../src/pipeline/detect/detect.js';
import { MAX_SCAN_CHARS } from '../../../src/pipeline/detect/tenant-pattern.js';
import type { DocumentType } from '../../../src/pipeline/detect/document-types.js';

function input(over: Partial<DetectionInput> = {}): DetectionInput {
  return { subject: '', text: '', attachments: [], from: 'facturen@acme.example', to: [], headers: new Map(), ...over };
}

function rule(over: Partial<DetectionRule> & Pick<DetectionRule, 'pattern'>): DetectionRule {
  return contentSettingsSchema.parse({ rules: [{ name: 'r', field: 'subject', documentType: 'invoice', ...over }] })
    .rules[0] as DetectionRule;
}

type Row = readonly [string, DocumentType, string | undefined, string | undefined];

const SUBJECTS: readonly Row[] = [
  ['Factuur 2024-0012', 'invoice', '2024-0012', 'nl'],
  ['Uw factuur nr. 2024/0012 van Bakkerij Jansen', 'invoice', '2024/0012', 'nl'],
  ['Factuurnummer: 2024-0012', 'invoice', '2024-0012', 'nl'],
  ['Creditnota CN-7', 'credit-note', 'CN-7', 'nl'],
  ['Offerte', 'quote', undefined, 'nl'],
  ['Offerte OF-2024-3 voor renovatie keuken', 'quote', 'OF-2024-3', 'nl'],
  ['Herinnering factuur 2024-0012', 'reminder', '2024-0012', 'nl'],
  ['Betalingsherinnering voor factuur 2024-0012', 'reminder', '2024-0012', 'nl'],
  ['Bestelling 7781', 'order', '7781', 'nl'],
  ['Facture F-123', 'invoice', 'F-123', 'fr'],
  ['Facture N°F2024-123 - Atelier Dupont', 'invoice', 'F2024-123', 'fr'],
  ['Note de crédit NC-12', 'credit-note', 'NC-12', 'fr'],
  ['Avoir AV-3', 'credit-note', 'AV-3', 'fr'],
  ['Devis n° D-55', 'quote', 'D-55', 'fr'],
  ['Rappel facture F-123', 'reminder', 'F-123', 'fr'],
  ['Relance : facture F-123 impayée', 'reminder', 'F-123', 'fr'],
  ['Commande N°C-2024-9', 'order', 'C-2024-9', 'fr'],
  ['Bon de commande BC-77', 'order', 'BC-77', 'fr'],
  ['Invoice INV-12', 'invoice', 'INV-12', 'en'],
  ['Your invoice #INV-2024-0042 from Acme Ltd', 'invoice', 'INV-2024-0042', 'en'],
  ['Credit note CN-2024-001', 'credit-note', 'CN-2024-001', 'en'],
  ['Quotation Q-7', 'quote', 'Q-7', 'en'],
  ['Reminder: invoice INV-12 is overdue', 'reminder', 'INV-12', 'en'],
  ['Order #PO-889', 'order', 'PO-889', 'en'],
  ['Rechnung 4711', 'invoice', '4711', 'de'],
  ['Rechnung Nr. 4711 vom 03.04.2024', 'invoice', '4711', 'de'],
  ['Gutschrift zur Rechnung 4711', 'credit-note', '4711', 'de'],
  ['Angebot Nr. 2024-17', 'quote', '2024-17', 'de'],
  ['Mahnung zur Rechnung 4711', 'reminder', '4711', 'de'],
  ['Zahlungserinnerung 4711', 'reminder', '4711', 'de'],
  ['Bestellung 123', 'order', '123', 'de'],
  ['Auftragsbestätigung AB-1001', 'order', 'AB-1001', 'de'],
  ['Nieuwsbrief maart', 'other', undefined, undefined],
  ['Vous allez avoir une surprise', 'other', undefined, undefined],
  ['Facture du 12/03/2024', 'invoice', undefined, 'fr'],
];

const FILE_NAMES: readonly Row[] = [
  ['Factuur_2024-0012.pdf', 'invoice', '2024-0012', 'nl'],
  ['factuur2024-0012.pdf', 'invoice', '2024-0012', 'nl'],
  ['creditnota-CN-7.pdf', 'credit-note', 'CN-7', 'nl'],
  ['Facture F-123.pdf', 'invoice', 'F-123', 'fr'],
  ['note_de_credit_NC-12.pdf', 'credit-note', 'NC-12', 'fr'],
  ['devis-D-55.PDF', 'quote', 'D-55', 'fr'],
  ['invoice_INV-12.pdf', 'invoice', 'INV-12', 'en'],
  ['Order PO-889.pdf', 'order', 'PO-889', 'en'],
  ['Rechnung_4711_Mustermann.pdf', 'invoice', '4711', 'de'],
  ['Angebot_2024-17.pdf', 'quote', '2024-17', 'de'],
  ['scan0001.pdf', 'other', undefined, undefined],
];

describe('built-in rules', () => {
  it.each(SUBJECTS)('subject %j → %s %s (%s)', (subject, type, number, language) => {
    const d = detectDocument(input({ subject }), []);
    expect(d.documentType).toBe(type);
    expect(d.variables['document-number']).toBe(number);
    expect(d.language?.code).toBe(language);
    expect(d.matchedRule).toBe(type === 'other' ? null : `builtin:${type}-subject-${language}`);
  });

  it.each(FILE_NAMES)('file name %j → %s %s (%s)', (filename, type, number, language) => {
    const d = detectDocument(
      input({ subject: 'Documenten', attachments: [{ filename, contentType: 'application/pdf' }] }),
      [],
    );
    expect(d.documentType).toBe(type);
    expect(d.variables['document-number']).toBe(number);
    expect(d.language?.code).toBe(language);
  });

  it('takes the number from the file name when the subject only names the type', () => {
    const d = detectDocument(
      input({
        subject: 'Uw factuur',
        attachments: [{ filename: 'Factuur_2024-0099.pdf', contentType: 'application/pdf' }],
      }),
      [],
    );
    expect(d).toMatchObject({
      documentType: 'invoice',
      matchedRule: 'builtin:invoice-subject-nl',
      variables: { 'document-number': '2024-0099' },
    });
  });

  it('extracts the grand total and the due date from the legacy text in four languages', () => {
    const cases: readonly [string, string, string, string][] = [
      [
        'Factuur 1',
        'Subtotaal: € 1.000,00\nTotaal incl. btw: € 1.210,00\nVervaldatum: 15-04-2024',
        '€ 1.210,00',
        '15-04-2024',
      ],
      ['Facture F-1', 'Montant total TTC : 1 234,56 €\nÉchéance : 15/03/2024', '1 234,56 €', '15/03/2024'],
      ['Invoice 1', 'Amount due: $1,234.56\nDue date: March 15, 2024', '$1,234.56', 'March 15, 2024'],
      ['Rechnung 1', 'Gesamtbetrag: 1.234,56 EUR\nZahlbar bis 15. März 2024', '1.234,56 EUR', '15. März 2024'],
    ];
    for (const [subject, text, amount, due] of cases) {
      expect(detectDocument(input({ subject, text }), []).variables).toMatchObject({ amount, 'due-date': due });
    }
  });

  it('extracts nothing from the text of a mail that is no document', () => {
    expect(detectDocument(input({ subject: 'Hallo', text: 'Totaal: € 5,00' }), []).variables).toEqual({});
  });

  it('stay fast on hostile subjects, file names and texts', () => {
    const started = Date.now();
    for (const hostile of [
      `Factuur ${'-'.repeat(20_000)}`,
      'Factuur nr '.repeat(2_000),
      `Rechnung ${'a1-'.repeat(7_000)}!`,
      `Totaal ${'1 '.repeat(10_000)}`,
    ]) {
      detectDocument(
        input({
          subject: hostile,
          text: hostile,
          attachments: [{ filename: hostile, contentType: 'application/pdf' }],
        }),
        [],
      );
    }
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('can be switched off', () => {
    expect(detectDocument(input({ subject: 'Factuur 2024-0012' }), [], false)).toEqual({
      documentType: 'other',
      variables: {},
      matchedRule: null,
    });
  });
});

describe('client name', () => {
  it('defaults to the first recipient display name, made single-line', () => {
    const d = detectDocument(
      input({
        subject: 'Factuur 1',
        to: [{ address: 'x@y.example' }, { address: 'piet@klant.example', name: 'Piet\r\nBcc: evil@x Pieters' }],
      }),
      [],
    );
    expect(d.variables['client-name']).toBe('Piet Bcc: evil@x Pieters');
  });

  it('is left unset without a display name, and a rule capture wins over it', () => {
    expect(
      detectDocument(input({ subject: 'Factuur 1', to: [{ address: 'a@b.example' }] }), []).variables['client-name'],
    ).toBeUndefined();
    const captured = rule({ field: 'text', pattern: String.raw`Klant: (?<client_name>[^\n]+)` });
    const d = detectDocument(
      input({ text: 'Klant: Bakkerij Smit\nBedrag', to: [{ address: 'a@b.example', name: 'Jan' }] }),
      [captured],
    );
    expect(d.variables['client-name']).toBe('Bakkerij Smit');
  });
});

describe('tenant rules', () => {
  it('run before the built-ins and decide the type', () => {
    const r = rule({
      name: 'proforma',
      pattern: String.raw`^Pro ?forma (?<document_number>\S+)`,
      documentType: 'quote',
      language: 'en',
    });
    const d = detectDocument(input({ subject: 'Proforma factuur PF-9' }), [r]);
    expect(d).toEqual({
      documentType: 'quote',
      matchedRule: 'proforma',
      variables: { 'document-number': 'factuur' },
      language: { code: 'en', source: 'rule' },
    });
  });

  it('match on every field: text, attachment name, sender, recipient and header', () => {
    const mail = input({
      subject: 'Document',
      text: 'Ordernummer SO-42',
      from: 'sales@shop.example',
      to: [{ address: 'inkoop@klant.example' }],
      attachments: [{ filename: 'SO-42.pdf', contentType: 'application/pdf' }],
      headers: new Map([['x-document-kind', ['reminder; ref=R-9']]]),
    });
    const table: readonly [DetectionRule, string, string][] = [
      [
        rule({
          name: 't',
          field: 'text',
          pattern: String.raw`Ordernummer (?<document_number>\S+)`,
          documentType: 'order',
        }),
        'order',
        'SO-42',
      ],
      [
        rule({
          name: 'a',
          field: 'attachment-filename',
          pattern: String.raw`^(?<documentNumber>SO-\d+)\.pdf$`,
          documentType: 'order',
        }),
        'order',
        'SO-42',
      ],
      [rule({ name: 's', field: 'sender', pattern: '^sales@', documentType: 'quote' }), 'quote', ''],
      [rule({ name: 'r', field: 'recipient', pattern: '^inkoop@', documentType: 'order' }), 'order', ''],
      [
        rule({
          name: 'h',
          field: 'header',
          header: 'X-Document-Kind',
          pattern: String.raw`^reminder; ref=(?<document_number>.+)$`,
          documentType: 'reminder',
        }),
        'reminder',
        'R-9',
      ],
    ];
    for (const [r, type, number] of table) {
      const d = detectDocument(mail, [r], false);
      expect(d.documentType).toBe(type);
      expect(d.matchedRule).toBe(r.name);
      expect(d.variables['document-number'] ?? '').toBe(number);
    }
  });

  it('add variables from later rules of the same type only', () => {
    const amount = rule({ name: 'amount', field: 'text', pattern: String.raw`Saldo: (?<amount>€ [\d.,]+)` });
    const quoteRule = rule({
      name: 'quote',
      field: 'text',
      pattern: String.raw`Ref (?<document_number>\S+)`,
      documentType: 'quote',
    });
    const d = detectDocument(input({ subject: 'Factuur 2024-0012', text: 'Ref Q-1\nSaldo: € 10,00' }), [
      amount,
      quoteRule,
    ]);
    expect(d).toMatchObject({
      documentType: 'invoice',
      matchedRule: 'amount',
      variables: { amount: '€ 10,00', 'document-number': '2024-0012' },
    });
  });

  it('set the language from a (?<language>) capture, which wins over a fixed one', () => {
    const r = rule({ pattern: String.raw`\[(?<language>[a-z]{2})\]`, language: 'de' });
    expect(detectDocument(input({ subject: 'Factuur 12 [FR]' }), [r]).language).toEqual({ code: 'fr', source: 'rule' });
    expect(
      detectDocument(input({ subject: 'Factuur 12 [F1]' }), [
        rule({ pattern: String.raw`\[(?<language>\w+)\]`, language: 'de' }),
      ]).language,
    ).toEqual({ code: 'de', source: 'rule' });
  });

  it('are case-insensitive unless asked, and see at most 64 KiB of text (less the larger the pattern)', () => {
    expect(
      detectDocument(input({ subject: 'FACTUUR' }), [rule({ pattern: 'factuur', documentType: 'reminder' })], false)
        .documentType,
    ).toBe('reminder');
    expect(
      detectDocument(input({ subject: 'FACTUUR' }), [rule({ pattern: 'factuur', caseSensitive: true })], false)
        .documentType,
    ).toBe('other');
    const late = `${'x'.repeat(MAX_SCAN_CHARS)}MARKER`;
    expect(
      detectDocument(input({ text: late }), [rule({ field: 'text', pattern: 'MARKER' })], false).documentType,
    ).toBe('other');
    expect(
      detectDocument(input({ text: `${'x'.repeat(5_000)}MARKER` }), [rule({ field: 'text', pattern: 'MARKER' })], false)
        .documentType,
    ).toBe('invoice');
  });

  it('skip a stored rule the engine refuses (saved before it changed), report it, and run the others', async () => {
    const stored: DetectionRule = {
      ...rule({ pattern: 'x' }),
      name: 'old lookahead',
      pattern: String.raw`Factuur(?= \d)`,
    };
    const next = rule({ pattern: String.raw`Factuur (?<document_number>\d+)`, documentType: 'reminder' });
    for (const d of [
      detectDocument(input({ subject: 'Factuur 12' }), [stored, next], false),
      await detectDocumentYielding(input({ subject: 'Factuur 12' }), [stored, next], false),
    ]) {
      expect(d).toMatchObject({
        documentType: 'reminder',
        variables: { 'document-number': '12' },
        skippedRules: [{ name: 'old lookahead', reason: expect.stringMatching(/^lookahead/) }],
      });
    }
  });

  it('yielding detection gives the event loop a turn after each tenant rule', async () => {
    let turns = 0;
    let running = true;
    const spin = () => {
      turns += 1;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const rules = Array.from({ length: 20 }, (_, i) => rule({ pattern: `(.*a){12}$|nomatch${i}` }));
    await detectDocumentYielding(input({ subject: 'a'.repeat(1024 * 1024) }), rules, false);
    running = false;
    expect(turns).toBeGreaterThanOrEqual(19);
    turns = 0;
    running = true;
    setImmediate(spin);
    detectDocument(input({ subject: 'a'.repeat(1024 * 1024) }), rules, false);
    running = false;
    expect(turns).toBe(0);
  });
});
