/**
 * PDFs for the document readers' tests and bench, built here so every byte is explained: invoices with
 * a text layer in nl, fr, en and de (pdf-lib), a credit note, a scan (one image, no text), a Factur-X
 * PDF (a CII XML embedded as factur-x.xml, AFRelationship Alternative), and hostile files written by
 * hand (broken xref, a page tree that loops, a compressed bomb, encryption, truncation, 10,000 pages).
 */
import { deflateSync } from 'node:zlib';
import { AFRelationship, PDFDocument, type PDFFont, type PDFPage, StandardFonts } from 'pdf-lib';
import { crc32 } from 'node:zlib';

export type Lang = 'nl' | 'fr' | 'en' | 'de';

/** A text block: lines at the left margin; `columns` lines are split into cells drawn apart. */
export type Block = readonly (string | readonly string[])[];

/** A paragraph of each language: enough letters for the language to be judged. */
export const PROSE: Readonly<Record<Lang, string>> = {
  nl:
    'Wij danken u voor uw bestelling en vragen u het bedrag te betalen voor de vervaldatum. Bij ' +
    'laattijdige betaling worden de wettelijke intresten aangerekend. Voor vragen over deze ' +
    'factuur kunt u ons altijd contacteren via onze klantendienst.',
  fr:
    'Nous vous remercions de votre commande et vous prions de régler le montant avant la date ' +
    'd’échéance. En cas de retard de paiement, des intérêts de retard seront appliqués de plein ' +
    'droit. Pour toute question concernant cette facture, contactez notre service clientèle.',
  en:
    'Thank you for your order. Please pay the amount due before the due date shown above. Late ' +
    'payments are subject to statutory interest. If you have any questions about this invoice, ' +
    'please contact our customer service team, who will be happy to help you.',
  de:
    'Vielen Dank für Ihre Bestellung. Bitte überweisen Sie den Betrag bis zum angegebenen ' +
    'Fälligkeitsdatum. Bei verspäteter Zahlung werden Verzugszinsen berechnet. Bei Fragen zu ' +
    'dieser Rechnung wenden Sie sich bitte an unseren Kundenservice, der Ihnen gerne ' +
    'weiterhilft.',
};

/** The four invoices of the language tests: the labels of each language, the values the tests expect. */
export const INVOICE_TEXT: Readonly<Record<Lang, Block>> = {
  nl: [
    'Acme Boekhouding BV',
    'FACTUUR',
    ['Factuurnummer: F2026-0042', 'Factuurdatum: 31-03-2026'],
    ['Klant: Bakkerij Janssens', 'Vervaldatum: 30 april 2026'],
    ['Omschrijving', 'Bedrag'],
    ['Onderhoud boekhoudpakket maart', '€ 1.020,30'],
    ['Totaal excl. btw', '€ 1.020,30'],
    ['Te betalen', '€ 1.234,56'],
    'IBAN: BE68 5390 0754 7034   BIC: GKCCBEBB',
    'Mededeling: +++090/9337/55493+++',
  ],
  fr: [
    'Acme Comptabilité SRL',
    'FACTURE',
    ['N° de facture : FA-2026/117', 'Date de facture : 31/03/2026'],
    ['Client : Boulangerie Dupont', "Date d'échéance : 30 avril 2026"],
    ['Désignation', 'Montant'],
    ['Maintenance logiciel mars', '1 020,30 €'],
    ['Total HT', '1 020,30 €'],
    ['Total TTC', '1 234,56 €'],
    'IBAN : BE68 5390 0754 7034',
    'Communication structurée : +++090/9337/55493+++',
  ],
  en: [
    'Acme Accounting Ltd',
    'INVOICE',
    ['Invoice number: INV-2026-0042', 'Invoice date: March 31, 2026'],
    ['Customer: Janssens Bakery', 'Due date: April 30, 2026'],
    ['Description', 'Amount'],
    ['Accounting software maintenance March', '€1,020.30'],
    ['Subtotal', '€1,020.30'],
    ['Amount due', '€1,234.56'],
    'IBAN: BE68 5390 0754 7034',
    'Payment reference: RF18 5390 0754 7034',
  ],
  de: [
    'Acme Buchhaltung GmbH',
    'RECHNUNG',
    ['Rechnungsnummer: R-2026-0042', 'Rechnungsdatum: 31.03.2026'],
    ['Kunde: Bäckerei Müller', 'Fälligkeitsdatum: 30. April 2026'],
    ['Beschreibung', 'Betrag'],
    ['Wartung Buchhaltungssoftware März', '1.020,30 €'],
    ['Nettobetrag', '1.020,30 €'],
    ['Gesamtbetrag', '1.234,56 EUR'],
    'IBAN: DE89 3704 0044 0532 0130 00',
    'Verwendungszweck: RF18 5390 0754 7034',
  ],
};

export const CREDIT_NOTE_TEXT: Block = [
  'Acme Boekhouding BV',
  'CREDITNOTA',
  ['Creditnota nr. CN-2026-007', 'Datum: 15-04-2026'],
  ['Klant: Bakkerij Janssens', 'Betreft factuur F2026-0042'],
  ['Terug te betalen', '€ 250,00'],
  ['Totaal', '€ 250,00'],
];

/** A PDF with the block's text in Helvetica at the top of an A4 page; `morePages` each get a page of their own. */
export async function textPdf(
  block: Block,
  options: { prose?: string; morePages?: readonly Block[]; logo?: Buffer } = {},
): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = drawPage(doc, font, block, options.prose);
  if (options.logo !== undefined) {
    page.drawImage(await doc.embedPng(options.logo), { x: 420, y: 760, width: 120, height: 60 });
  }
  for (const more of options.morePages ?? []) drawPage(doc, font, more, undefined);
  return Buffer.from(await doc.save());
}

function drawPage(doc: PDFDocument, font: PDFFont, block: Block, prose: string | undefined): PDFPage {
  const page = doc.addPage([595, 842]);
  let y = 790;
  for (const line of block) {
    const cells = typeof line === 'string' ? [line] : line;
    cells.forEach((cell, i) => page.drawText(cell, { x: 50 + i * 280, y, size: 11, font }));
    y -= 20;
  }
  for (const text of wrap(prose ?? '', 90)) {
    page.drawText(text, { x: 50, y, size: 10, font });
    y -= 14;
  }
  return page;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    if (line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

export function invoicePdf(lang: Lang): Promise<Buffer> {
  return textPdf(INVOICE_TEXT[lang], { prose: PROSE[lang] });
}

export function creditNotePdf(): Promise<Buffer> {
  return textPdf(CREDIT_NOTE_TEXT, { prose: PROSE.nl });
}

/** A page with only an image, as a scanner makes it: no text layer at all. */
export async function scanPdf(pages = 1): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const image = await doc.embedPng(greyPng(64, 64));
  for (let n = 0; n < pages; n++) doc.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  return Buffer.from(await doc.save());
}

/** A minimal greyscale PNG: the image of a scanned page, stripes standing for the lines of text. */
function greyPng(width: number, height: number): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.alloc(width, y % 8 < 2 ? 40 : 230));
  return png(width, height, rows);
}

/** A greyscale PNG of noise, which does not compress: a logo's weight in a real invoice. */
export function noisePng(width: number, height: number): Buffer {
  const rows: Buffer[] = [];
  let seed = 7;
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(width);
    for (let x = 0; x < width; x++) {
      // xorshift32: noise that deflate cannot shrink.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      row[x] = seed & 0xff;
    }
    rows.push(row);
  }
  return png(width, height, rows);
}

function png(width: number, height: number, pixelRows: readonly Buffer[]): Buffer {
  const rows = pixelRows.map((row) => Buffer.concat([Buffer.from([0]), row]));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const idat = deflateSync(Buffer.concat(rows));
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** A Factur-X PDF: the visible invoice and the CII XML embedded as factur-x.xml (AFRelationship Alternative). */
export async function facturXPdf(
  xml: string | Buffer,
  block: Block = INVOICE_TEXT.nl,
  name = 'factur-x.xml',
): Promise<Buffer> {
  return embedXml(await textPdf(block, { prose: PROSE.nl }), xml, name);
}

/** `pdf` with `xml` embedded as the Factur-X standard asks: a file attachment, AFRelationship Alternative. */
export async function embedXml(pdf: Buffer, xml: string | Buffer, name = 'factur-x.xml'): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf);
  await doc.attach(Buffer.from(xml), name, {
    mimeType: 'text/xml',
    description: 'Factur-X invoice',
    afRelationship: AFRelationship.Alternative,
  });
  return Buffer.from(await doc.save());
}

/** A minimal Factur-X (EN 16931 profile) CII invoice; its values differ from the visible nl text on purpose. */
export function minimalCii(values: { number?: string; amount?: string; due?: string } = {}): string {
  const { number = 'FX-2026-0099', amount = '1500.00', due = '20260515' } = values;
  return `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:cen.eu:en16931:2017</ram:ID>
 </ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>${number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20260331</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Acme Boekhouding BV</ram:Name></ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Bakkerij Janssens</ram:Name>
    <ram:PostalTradeAddress><ram:CountryID>BE</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>
    <udt:DateTimeString format="102">${due}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:GrandTotalAmount>${amount}</ram:GrandTotalAmount>
    <ram:DuePayableAmount>${amount}</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
`;
}
