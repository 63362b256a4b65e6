import type { DocumentType } from './document-types.js';

/**
 * Built-in detection rules: keywords of common document subjects and file names in Dutch,
 * French, English and German ("Factuur 2024-0012", "Facture n° F-123", "Rechnung_4711.pdf"),
 * with the document number when one follows. Most tenants need no rule of their own.
 */
export interface BuiltinRule {
  readonly name: string;
  readonly field: 'subject' | 'attachment-filename' | 'text';
  readonly pattern: string;
  readonly flags: string;
  readonly documentType: DocumentType;
  readonly language?: string;
}

interface KeywordSet {
  readonly type: DocumentType;
  readonly language: string;
  readonly words: readonly string[];
  /** Dutch and German glue words together: "Factuurnummer", "Rechnungsnummer". */
  readonly compound?: boolean;
  /** Too common a word on its own ("avoir" is also "to have"): only with a number after it. */
  readonly needsNumber?: boolean;
}

// Order matters: "Herinnering factuur 12" is a reminder, "Gutschrift zur Rechnung 4711" a credit note.
const KEYWORDS: readonly KeywordSet[] = [
  { type: 'reminder', language: 'nl', words: ['herinnering', 'betalingsherinnering', 'aanmaning'], compound: true },
  { type: 'reminder', language: 'fr', words: ['rappel', 'relance'] },
  { type: 'reminder', language: 'en', words: ['reminder', 'payment reminder', 'overdue'] },
  { type: 'reminder', language: 'de', words: ['mahnung', 'zahlungserinnerung', 'erinnerung'], compound: true },
  { type: 'credit-note', language: 'nl', words: ['creditnota', 'credit nota', 'creditfactuur'], compound: true },
  { type: 'credit-note', language: 'fr', words: ['note de crédit', 'note de credit', "facture d['’]avoir"] },
  { type: 'credit-note', language: 'fr', words: ['avoir'], needsNumber: true },
  { type: 'credit-note', language: 'en', words: ['credit note', 'credit memo', 'creditnote'] },
  {
    type: 'credit-note',
    language: 'de',
    words: ['gutschrift', 'rechnungskorrektur', 'stornorechnung'],
    compound: true,
  },
  { type: 'invoice', language: 'nl', words: ['factuur', 'facturen'], compound: true },
  { type: 'invoice', language: 'fr', words: ['facture'] },
  { type: 'invoice', language: 'en', words: ['invoice'] },
  { type: 'invoice', language: 'de', words: ['rechnung'], compound: true },
  { type: 'quote', language: 'nl', words: ['offerte', 'prijsofferte'], compound: true },
  { type: 'quote', language: 'fr', words: ['devis', 'offre de prix'] },
  { type: 'quote', language: 'en', words: ['quotation', 'quote', 'estimate'] },
  { type: 'quote', language: 'de', words: ['angebot', 'kostenvoranschlag'], compound: true },
  { type: 'order', language: 'nl', words: ['bestelling', 'bestelbon', 'orderbevestiging'], compound: true },
  { type: 'order', language: 'fr', words: ['commande', 'bon de commande'] },
  { type: 'order', language: 'en', words: ['purchase order', 'order'] },
  {
    type: 'order',
    language: 'de',
    words: ['bestellung', 'auftrag', 'auftragsbestätigung', 'auftragsbestaetigung'],
    compound: true,
  },
];

/** Words that may stand between the keyword and the number: "Rechnung Nr. 4711", "Herinnering voor factuur 12". */
const FILLERS = [
  'nr',
  'no',
  'num',
  'nummer',
  'number',
  'numéro',
  'numero',
  'ref',
  'réf',
  'referentie',
  'référence',
  'reference',
  'voor',
  'bij',
  'betreffende',
  'uw',
  'onze',
  'for',
  'the',
  'your',
  'our',
  'regarding',
  'pour',
  'la',
  'le',
  'de',
  'sur',
  'votre',
  'notre',
  'zur',
  'zum',
  'für',
  'ihre',
  'unsere',
  'factuur',
  'facture',
  'rechnung',
  'invoice',
  'bestelling',
  'commande',
  'order',
  'bestellung',
];

/** Separator characters; runs of them are bounded so that a line of dashes cannot make matching slow. */
const SEP = String.raw`[\s:#°º._\-–—]`;
const FILLER = String.raw`(?:${SEP}{1,5}(?:(?:${FILLERS.join('|')})\.?(?!\p{L})|n[°º]\.?)){0,3}?`;
/** A document number: letters, digits, inner `/` `-` and `.` before a digit; a digit within its first 40 characters. */
const NUMBER =
  String.raw`(?<document_number>(?=[\p{L}\d/.\-]{0,40}\d)` +
  String.raw`[\p{L}\d](?:[\p{L}\d]|[/\-](?=[\p{L}\d])|\.(?=\d))*)`;

function keywordPattern(set: KeywordSet): string {
  const words = set.words.map((w) => w.replace(/ /g, String.raw`[\s_\-]+`)).join('|');
  const suffix = set.compound ? String.raw`\p{L}*` : String.raw`(?!\p{L})`;
  const number = `${FILLER}${SEP}{0,5}${NUMBER}`;
  return String.raw`(?<![\p{L}\d])(?:${words})${suffix}${set.needsNumber ? number : `(?:${number})?`}`;
}

function rulesFor(field: 'subject' | 'attachment-filename'): BuiltinRule[] {
  return KEYWORDS.map((set) => ({
    name: `builtin:${set.type}-${field === 'subject' ? 'subject' : 'filename'}-${set.language}`,
    field,
    pattern: keywordPattern(set),
    flags: 'iu',
    documentType: set.type,
    language: set.language,
  }));
}

/** Subjects first: they say what the mail is about; file names help when the subject is vague. */
export function builtinDetectionRules(): BuiltinRule[] {
  return [...rulesFor('subject'), ...rulesFor('attachment-filename')];
}

const CURRENCY = String.raw`(?:[€$£]|EUR|USD|GBP|CHF)`;
const FIGURE = String.raw`\d{1,3}(?:[ .,'\u00a0]?\d{3})*(?:[.,]\d{1,2})?`;
/** Labels before a total, in the order the alternation tries them. */
const AMOUNT_LABELS = [
  'totaal',
  'totaalbedrag',
  'te betalen',
  'openstaand bedrag',
  'bedrag',
  'total',
  'montant',
  'net à payer',
  'à payer',
  'solde',
  'gesamtbetrag',
  'rechnungsbetrag',
  'betrag',
  'summe',
  'zu zahlen',
  'amount due',
  'amount',
  'balance due',
];
const AMOUNT_LABEL = `(?:${AMOUNT_LABELS.join('|')})`;
/** Labels before a due date, in the order the alternation tries them. */
const DUE_LABELS = [
  'vervaldatum',
  'vervaldag',
  'uiterlijk',
  'te betalen vóór',
  'te betalen voor',
  'échéance',
  "date d['’]échéance",
  'payable avant le',
  'à payer avant le',
  'fällig am',
  'fällig bis',
  'fälligkeit',
  'fälligkeitsdatum',
  'zahlbar bis',
  'due date',
  'payable by',
  'due by',
  'due',
];
const DUE_LABEL = `(?:${DUE_LABELS.join('|')})`;
const DATE = [
  String.raw`\d{4}-\d{2}-\d{2}`,
  String.raw`\d{1,2}[./-]\d{1,2}[./-]\d{2,4}`,
  String.raw`\d{1,2}\.?\s\p{L}{3,10}\.?\s\d{4}`,
  String.raw`\p{L}{3,10}\.?\s\d{1,2},?\s\d{4}`,
].join('|');
const LABEL_TAIL = String.raw`(?:[ \t]+\p{L}+\.?){0,3}?[ \t]*[:=]?[ \t]*`;

/**
 * Extractors run on the body text once a document type is known: the total and the due date
 * when the legacy text states them ("Te betalen: € 1.234,56", "Fällig am 15.03.2024").
 * The last amount wins (the grand total comes after subtotals); the first due date wins.
 */
export function builtinExtractors(): readonly {
  readonly variable: 'amount' | 'due-date';
  readonly pattern: string;
  readonly last: boolean;
}[] {
  return [
    {
      variable: 'amount',
      last: true,
      pattern:
        String.raw`(?<![\p{L}])${AMOUNT_LABEL}${LABEL_TAIL}` +
        String.raw`(?<value>${CURRENCY}[ \u00a0]?${FIGURE}|${FIGURE}[ \u00a0]?${CURRENCY})`,
    },
    { variable: 'due-date', last: false, pattern: String.raw`(?<![\p{L}])${DUE_LABEL}${LABEL_TAIL}(?<value>${DATE})` },
  ];
}
