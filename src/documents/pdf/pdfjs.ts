import { restoreBuiltins } from './native-builtins.js';
import { getDocument, PDFWorker, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
// Loaded here rather than by pdfjs on the first document: it sets globalThis.pdfjsWorker, which pdfjs's
// "fake worker" (its parser in this thread) takes instead of importing the file itself, so the
// built-ins it replaces as well can be put back below, once.
import 'pdfjs-dist/legacy/build/pdf.worker.mjs';

/**
 * pdfjs, loaded once per thread with the built-ins it replaces put back (native-builtins.ts), and one
 * parser shared by every document this thread reads: setting it up per document cost as much as
 * reading a small one. Documents do not share state in it; each is destroyed after reading.
 */
restoreBuiltins();

let shared: PDFWorker | undefined;

export function sharedWorker(): PDFWorker {
  if (shared === undefined || shared.destroyed) shared = new PDFWorker({ verbosity: VerbosityLevel.ERRORS });
  return shared;
}

export { getDocument, VerbosityLevel };
