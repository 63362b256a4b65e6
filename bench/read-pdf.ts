/**
 * Cost of reading one PDF attachment the way a reader-pool worker does (readAttachment in one thread):
 * a real-looking ~100 KB invoice (the nl labels, three pages of invoice lines, a logo), the same with
 * the EN 16931 CII fixture embedded as Factur-X, and the worst case of the size, 100 KB of nothing
 * but text (57 pages: the first and the last are read, as they give every fact). Target: ≤ 20 ms CPU
 * per document.
 * Run: npx tsx bench/read-pdf.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAttachment } from '../src/documents/read-attachment.js';
import { type Block, embedXml, INVOICE_TEXT, noisePng, textPdf } from '../test/helpers/pdf-fixtures.js';

const TARGET_BYTES = 100 * 1024;
const ROUNDS = 10;
const TRIALS = 9;
const LINES_PER_PAGE = 34;

function body(lines: number): Block {
  return Array.from({ length: lines }, (_, i) => [
    `Prestatie ${i + 1}: boekhouding en fiscale opvolging, dossier ${2026_000 + i}`,
    `€ ${(10 + ((i * 7919) % 500)).toFixed(0)},${String(i % 100).padStart(2, '0')}`,
  ]);
}

/** What most 100 KB invoices are: three pages of lines, the rest of the weight a logo. */
async function invoiceWithLogo(): Promise<Buffer> {
  for (let side = 100; ; side += 5) {
    const pdf = await pagedPdf(INVOICE_TEXT.nl, body(90), noisePng(side * 2, side));
    if (pdf.length >= TARGET_BYTES) return pdf;
  }
}

/** The worst case of the size: 100 KB of nothing but text, about 57 pages (2 are read). */
async function textOnly(): Promise<Buffer> {
  for (let lines = 1600; ; lines += 100) {
    const pdf = await pagedPdf(INVOICE_TEXT.nl, body(lines));
    if (pdf.length >= TARGET_BYTES) return pdf;
  }
}

/** Lines are drawn one page at a time: the header on the first, the body continuing after it. */
async function pagedPdf(header: Block, body: Block, logo?: Buffer): Promise<Buffer> {
  const first = [...header, ...body.slice(0, LINES_PER_PAGE - header.length)];
  const rest: Block[] = [];
  for (let i = LINES_PER_PAGE - header.length; i < body.length; i += LINES_PER_PAGE) {
    rest.push(body.slice(i, i + LINES_PER_PAGE));
  }
  return textPdf(first, { morePages: rest, ...(logo !== undefined ? { logo } : {}) });
}

async function measure(name: string, pdf: Buffer): Promise<void> {
  const reading = await readAttachment(pdf);
  if (reading.facts.number === undefined || reading.format === 'pdf-unreadable') {
    throw new Error(`${name} not read cleanly: ${reading.format} ${JSON.stringify(reading.problems)}`);
  }
  for (let i = 0; i < ROUNDS; i++) await readAttachment(pdf);
  // A shared machine is noisy: CPU time (not wall time) of several trials, the fastest and the median.
  const trials: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i++) await readAttachment(pdf);
    const used = process.cpuUsage(start);
    trials.push((used.user + used.system) / ROUNDS / 1000);
  }
  trials.sort((a, b) => a - b);
  const [min, median] = [trials[0] ?? 0, trials[TRIALS >> 1] ?? 0];
  const notes = reading.problems.length > 0 ? ` (${reading.problems.join('; ')})` : '';
  console.log(`${name}: ${(pdf.length / 1024).toFixed(0)} KB, format ${reading.format}${notes}`);
  console.log(`  read + facts + language: min ${min.toFixed(2)} ms, median ${median.toFixed(2)} ms CPU per document`);
}

async function main(): Promise<void> {
  const withLogo = await invoiceWithLogo();
  await measure('invoice, 3 pages and a logo', withLogo);
  await measure('text only', await textOnly());
  const cii = readFileSync(join(import.meta.dirname, '../test/fixtures/einvoice/facturx-en16931.xml'));
  await measure('Factur-X invoice, 3 pages, a logo and the CII XML', await embedXml(withLogo, cii));
}

await main();
