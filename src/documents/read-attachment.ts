import type { DocumentReading } from './facts.js';
import { sniff } from './sniff.js';
import { readXmlDocument } from './xml/read-xml.js';

export interface ReadAttachmentOptions {
  /** For the log only: the format is judged by the bytes. */
  readonly filename?: string;
  /** As the message declared it; not trusted either, kept for the log and future hints. */
  readonly contentType?: string;
  /** Larger attachments are not opened (default MAX_ATTACHMENT_BYTES). */
  readonly maxBytes?: number;
}

export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/**
 * Reads one attachment by what its bytes are: XML → the XML reader (UBL, CII), PDF → the PDF reader
 * (Factur-X, text layer, scan), anything else → 'unknown'. Never throws. Runs in the calling thread;
 * the pipeline goes through the reader pool (reader-pool.ts), which bounds time and memory.
 */
export async function readAttachment(bytes: Uint8Array, options: ReadAttachmentOptions = {}): Promise<DocumentReading> {
  const named = options.filename !== undefined ? { filename: options.filename } : {};
  const kind = sniff(bytes);
  const max = options.maxBytes ?? MAX_ATTACHMENT_BYTES;
  if (bytes.byteLength === 0)
    return { ...named, format: 'unknown', facts: {}, problems: ['empty attachment (0 bytes)'] };
  if (bytes.byteLength > max) return tooLarge(named, kind, bytes.byteLength, max);
  if (kind === 'pdf') {
    // Loaded on the first PDF: a thread that only needs the constants here (the gateway's, through
    // reader-pool.ts) never loads pdfjs, its several megabytes of code and the built-ins it replaces.
    const { readPdf } = await import('./pdf/read-pdf.js');
    return readPdf(bytes, options.filename);
  }
  if (kind === 'xml') {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return safely(named, () => readXmlDocument(buffer, options.filename));
  }
  return { ...named, format: 'unknown', facts: {}, problems: [] };
}

function tooLarge(named: { filename?: string }, kind: string, size: number, max: number): DocumentReading {
  const format = kind === 'pdf' ? 'pdf-unreadable' : 'unknown';
  return { ...named, format, facts: {}, problems: [`not read: ${size} bytes is more than the limit of ${max}`] };
}

/** The XML reader promises not to throw; a bug in it must still not take the message down. */
function safely(named: { filename?: string }, read: () => DocumentReading): DocumentReading {
  try {
    return read();
  } catch (err) {
    const message = err instanceof Error ? err.message.slice(0, 200) : String(err);
    return { ...named, format: 'xml-other', facts: {}, problems: [`XML unreadable: ${message}`] };
  }
}
