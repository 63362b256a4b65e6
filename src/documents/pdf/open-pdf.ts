import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';
import { getDocument, sharedWorker, VerbosityLevel } from './pdfjs.js';

/**
 * Opens a PDF with pdfjs for reading only: no network, no eval, no fonts loaded into the process,
 * no system fonts, no rendering. pdfjs runs its parser in this thread (its "fake worker"); the reader
 * pool (../reader-pool.ts) is what puts it on a thread of its own, with a time and memory limit.
 */
export type Opened = { ok: true; pdf: PDFDocumentProxy } | { ok: false; problem: string };

export async function openPdf(bytes: Uint8Array): Promise<Opened> {
  const task = getDocument({
    // pdfjs may transfer (detach) the buffer it is given: hand it a copy.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    stopAtErrors: false,
    verbosity: VerbosityLevel.ERRORS,
    worker: sharedWorker(),
  });
  try {
    return { ok: true, pdf: await task.promise };
  } catch (err) {
    await task.destroy().catch(() => undefined);
    return { ok: false, problem: openProblem(err) };
  }
}

function openProblem(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'PasswordException') return 'encrypted: the PDF needs a password to be read';
  return `broken: ${message.slice(0, 200)}`;
}
