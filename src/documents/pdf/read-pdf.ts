import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';
import type { DocumentFacts, DocumentReading } from '../facts.js';
import { detectLanguage } from '../language.js';
import { embeddedInvoice } from './embedded-xml.js';
import { inflateProblem } from './inflate-guard.js';
import { mergeFacts } from './merge-facts.js';
import { openPdf } from './open-pdf.js';
import { readTextLayer, type TextLayer, type TextLimits } from './text-layer.js';
import { textFacts } from './text-facts.js';

/**
 * Reads a PDF: the e-invoice it embeds (Factur-X, ZUGFeRD, XRechnung), the text layer of its first
 * and last pages, and the facts in that text. A PDF whose pages carry (almost) no text is a scan: no facts are
 * guessed from it. Never throws; an encrypted or broken file is 'pdf-unreadable' with a problem.
 */
export const PDF_LIMITS: TextLimits = { firstPages: 4, lastPages: 2, maxChars: 50_000 };
/** Fewer visible characters per page than this and the page is an image of text (a scan). */
export const SCAN_CHARS_PER_PAGE = 40;

export async function readPdf(bytes: Uint8Array, filename?: string, limits = PDF_LIMITS): Promise<DocumentReading> {
  const named = filename !== undefined ? { filename } : {};
  const bomb = inflateProblem(bytes);
  if (bomb !== undefined) return { ...named, format: 'pdf-unreadable', facts: {}, problems: [bomb] };
  const opened = await openPdf(bytes);
  if (!opened.ok) return { ...named, format: 'pdf-unreadable', facts: {}, problems: [opened.problem] };
  try {
    return { ...named, ...(await readOpened(opened.pdf, limits)) };
  } catch (err) {
    const message = err instanceof Error ? err.message.slice(0, 200) : String(err);
    return { ...named, format: 'pdf-unreadable', facts: {}, problems: [`broken: ${message}`] };
  } finally {
    await opened.pdf.destroy().catch(() => undefined);
  }
}

async function readOpened(pdf: PDFDocumentProxy, limits: TextLimits): Promise<Omit<DocumentReading, 'filename'>> {
  const problems: string[] = [];
  const embedded = await embeddedInvoice(pdf, problems);
  const facts = memoFacts();
  const layer = await readTextLayer(pdf, limits, (ends, lastRead) =>
    saysEnough(ends, lastRead, facts(ends), embedded?.reading.facts),
  );
  problems.push(...layer.problems);
  const scan = isScan(layer);
  const fromText = scan ? {} : facts(layer);
  if (embedded !== undefined) {
    problems.push(...embedded.reading.problems.map((p) => `${embedded.filename}: ${p}`));
    const validation = embedded.reading.validation !== undefined ? { validation: embedded.reading.validation } : {};
    const facts = mergeFacts(embedded.reading.facts, fromText);
    return { format: 'factur-x', facts, xml: embedded.xml, ...validation, problems };
  }
  if (layer.pagesRead === 0) {
    return { format: 'pdf-unreadable', facts: {}, problems: problems.length > 0 ? problems : ['broken: no pages'] };
  }
  return { format: scan ? 'pdf-scan' : 'pdf-text', facts: fromText, problems };
}

function isScan(layer: TextLayer): boolean {
  return layer.pagesRead > 0 && layer.visibleChars < SCAN_CHARS_PER_PAGE * layer.pagesRead;
}

/**
 * Whether the first and the last page are enough: not a scan, every fact the text can give (those
 * the embedded XML has not) found with high confidence (the kind: found), and the language known.
 * The pages between could only add a contradicting value; an invoice repeats its number or total
 * there, rarely another. When the XML gives every fact, the first page alone is enough (for the
 * language: the text's facts would change nothing).
 */
const TEXT_FACTS = ['kind', 'number', 'issueDate', 'dueDate', 'payable', 'paymentReference', 'iban'] as const;
export const ENOUGH_CONFIDENCE = 0.8;

function saysEnough(ends: TextLayer, lastRead: boolean, text: DocumentFacts, xml: DocumentFacts | undefined): boolean {
  if (isScan(ends) || text.language === undefined) return false;
  // The first page alone only when the XML gives every fact: the text's facts then change nothing.
  if (!lastRead) return xml !== undefined && TEXT_FACTS.every((name) => xml[name] !== undefined);
  return TEXT_FACTS.every((name) => {
    const fact = xml?.[name] ?? text[name];
    // The kind's confidence is that of the word found (0.7 for an invoice), not of a label.
    const high = name === 'kind' || fact?.source !== 'pdf-text' || fact.confidence >= ENOUGH_CONFIDENCE;
    return fact !== undefined && high;
  });
}

/** The facts of the last layer asked about, so the layer read in the end is not scanned twice. */
function memoFacts(): (layer: TextLayer) => DocumentFacts {
  let last: { layer: TextLayer; facts: DocumentFacts } | undefined;
  return (layer) => {
    if (last?.layer.lines !== layer.lines) last = { layer, facts: factsOfText(layer) };
    return last.facts;
  };
}

function factsOfText(layer: TextLayer): DocumentFacts {
  const facts = textFacts(layer.lines);
  const language = detectLanguage(layer.lines.join('\n'));
  return language === undefined ? facts : { ...facts, language };
}
