/**
 * Cost of reading one e-invoice attachment the way the pipeline does: readXmlDocument on a
 * real-looking ~100 KB Peppol UBL invoice (many lines), which recognises it, extracts the facts
 * and validates it. Target: ≤ 20 ms CPU per document.
 * Run: npx tsx bench/read-xml.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readXmlDocument } from '../src/documents/xml/read-xml.js';

const TARGET_BYTES = 100 * 1024;
const ROUNDS = 20;
const TRIALS = 15;

const LINE = (id: number, cents: number): string => `
  <cac:InvoiceLine>
    <cbc:ID>${id}</cbc:ID>
    <cbc:Note>Prestatie ${id}: boekhouding en fiscale opvolging volgens offerte 2026-${id}</cbc:Note>
    <cbc:InvoicedQuantity unitCode="HUR">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">${(cents / 100).toFixed(2)}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Description>Dossierbeheer, controle van aankoop- en verkoopfacturen, periode maart</cbc:Description>
      <cbc:Name>Prestatie ${id}</cbc:Name>
      <cac:SellersItemIdentification><cbc:ID>SKU-${1000 + id}</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>21</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">${(cents / 100).toFixed(2)}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>`;

/** The Belgian fixture with its three lines replaced by enough lines to reach ~100 KB, totals recomputed. */
function invoice(): Buffer {
  const base = readFileSync(
    join(import.meta.dirname, '../test/fixtures/einvoice/ubl-invoice-be-structured.xml'),
    'utf8',
  );
  const lines: string[] = [];
  let net = 0;
  for (let id = 1; base.length + lines.join('').length < TARGET_BYTES; id++) {
    const cents = 1000 + ((id * 7919) % 50_000);
    net += cents;
    lines.push(LINE(id, cents));
  }
  const tax = Math.round(net * 0.21);
  const eur = (c: number): string => (c / 100).toFixed(2);
  const xml = base
    .replace(/<cac:InvoiceLine>[\s\S]*<\/cac:InvoiceLine>/, lines.join(''))
    .replaceAll('>1065.50<', `>${eur(net)}<`)
    .replaceAll('>223.76<', `>${eur(tax)}<`)
    .replaceAll('>1289.26<', `>${eur(net + tax)}<`);
  return Buffer.from(xml);
}

function main(): void {
  const xml = invoice();
  const reading = readXmlDocument(xml, 'bench.xml');
  if (reading.format !== 'ubl-invoice' || reading.validation?.length !== 0) {
    throw new Error(`bench invoice not read cleanly: ${JSON.stringify(reading.validation ?? reading.problems)}`);
  }
  for (let i = 0; i < ROUNDS; i++) readXmlDocument(xml);
  // A shared machine is noisy: CPU time (not wall time) of several trials, the fastest and the median.
  const trials: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i++) readXmlDocument(xml);
    const used = process.cpuUsage(start);
    trials.push((used.user + used.system) / ROUNDS / 1000);
  }
  trials.sort((a, b) => a - b);
  const lines = (xml.toString('utf8').match(/<cac:InvoiceLine>/g) ?? []).length;
  console.log(`UBL invoice ${(xml.length / 1024).toFixed(0)} KB, ${lines} lines, ${TRIALS} trials of ${ROUNDS} reads`);
  const [min, median] = [trials[0]!, trials[TRIALS >> 1]!];
  console.log(`read + facts + validation: min ${min.toFixed(2)} ms, median ${median.toFixed(2)} ms CPU per document`);
}

main();
