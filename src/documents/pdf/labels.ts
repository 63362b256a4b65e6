/**
 * The labels that introduce a fact in an invoice's text, in nl, fr, en and de. `main` labels name the
 * fact exactly; `weak` ones can also stand for something else (a subtotal called "Total") and give a
 * lower confidence. Matching ignores case; a label must stand as whole words.
 */

export interface LabelSet {
  readonly main: readonly string[];
  readonly weak: readonly string[];
}

export const NUMBER_LABELS: LabelSet = {
  main: [
    'Factuurnummer',
    'Factuur nr.',
    'Factuur nr',
    'Factuurnr.',
    'Creditnotanummer',
    'Creditnota nr.',
    'N° de facture',
    'Nº de facture',
    'No de facture',
    'Numéro de facture',
    'Facture n°',
    'N° de note de crédit',
    'Invoice number',
    'Invoice no.',
    'Invoice no',
    'Invoice #',
    'Credit note number',
    'Credit note no.',
    'Rechnungsnummer',
    'Rechnung Nr.',
    'Rechnungs-Nr.',
    'Gutschriftsnummer',
    'Gutschrift Nr.',
  ],
  weak: [],
};

export const ISSUE_DATE_LABELS: LabelSet = {
  main: [
    'Factuurdatum',
    'Creditnotadatum',
    'Date de facture',
    'Date de la facture',
    'Date de facturation',
    'Invoice date',
    'Date of issue',
    'Rechnungsdatum',
    'Gutschriftsdatum',
  ],
  weak: ['Datum', 'Date'],
};

export const DUE_DATE_LABELS: LabelSet = {
  main: [
    'Vervaldatum',
    'Vervaldag',
    'Uiterste betaaldatum',
    "Date d'échéance",
    'Date d’échéance',
    'Échéance',
    'Echéance',
    'Due date',
    'Payment due',
    'Fälligkeitsdatum',
    'Fällig am',
    'Zahlbar bis',
  ],
  weak: [],
};

export const PAYABLE_LABELS: LabelSet = {
  main: [
    'Te betalen',
    'Totaal te betalen',
    'Totaal incl. btw',
    'Montant à payer',
    'Net à payer',
    'Total TTC',
    'Total TVAC',
    'Amount due',
    'Total due',
    'Balance due',
    'Total incl. VAT',
    'Zu zahlen',
    'Gesamtbetrag',
    'Rechnungsbetrag',
  ],
  weak: ['Totaal', 'Total', 'Summe'],
};

export const REFERENCE_LABELS: LabelSet = {
  main: [
    'Gestructureerde mededeling',
    'Mededeling',
    'Communication structurée',
    'Communication',
    'Verwendungszweck',
    'Payment reference',
    'Zahlungsreferenz',
  ],
  weak: [],
};

export const IBAN_LABELS: LabelSet = { main: ['IBAN'], weak: [] };

/** Words that make the document a credit note; they win over the invoice words. */
export const CREDIT_NOTE_WORDS = ['Creditnota', 'Creditfactuur', 'Note de crédit', 'Credit note', 'Gutschrift'];
export const INVOICE_WORDS = ['Factuur', 'Facture', 'Invoice', 'Rechnung'];

/** Every label of every set, so a value can be cut where the next label on its line starts. */
export const ALL_LABELS: readonly string[] = [
  NUMBER_LABELS,
  ISSUE_DATE_LABELS,
  DUE_DATE_LABELS,
  PAYABLE_LABELS,
  REFERENCE_LABELS,
  IBAN_LABELS,
].flatMap((set) => [...set.main, ...set.weak]);
