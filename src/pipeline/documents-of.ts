import type { Attachment } from 'mailparser';
import type { DocumentReading } from '../documents/facts.js';
import { readXmlDocument } from '../documents/xml/read-xml.js';
import { parseMail } from '../mime/parse-mail.js';
import type { ReadAttachment } from './documents/read-documents.js';

/**
 * Reads one attachment off the main thread (the document reader pool, src/documents/reader-pool.ts):
 * bounded work, never a throw. What the composition root gives the stages that read attachments.
 */
export type DocumentReader = ReadAttachment;

/**
 * What the stages that need the attached documents (Peppol delivery) read them through: the
 * readings an earlier stage kept on the draft when there are any, else read here. Only called for
 * a tenant that uses them, so a message of any other tenant is never parsed for it.
 */
export async function documentsOf(
  draft: { readonly source: Buffer; readonly documents?: readonly DocumentReading[] | undefined },
  read?: DocumentReader,
): Promise<readonly DocumentReading[]> {
  if (draft.documents !== undefined) return draft.documents;
  const parsed = await parseMail(draft.source, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const readings = await readAttachments(parsed.attachments, read);
  return readings.filter((r): r is DocumentReading => r !== undefined);
}

type Part = Pick<Attachment, 'content' | 'contentType' | 'filename'>;

/**
 * Each attachment's reading, index for index (undefined for one that is no document). With a
 * reader (the pool) every PDF and XML goes through it, so a Factur-X PDF gives its embedded XML;
 * without one only XML is read, here: the XML reader's own limits bound it, and a PDF is never
 * parsed on this thread.
 */
export async function readAttachments(
  attachments: readonly Part[],
  read?: DocumentReader,
): Promise<(DocumentReading | undefined)[]> {
  return Promise.all(
    attachments.map(async (a) => {
      const meta = { filename: a.filename, contentType: a.contentType };
      if (read && (looksLikeXml(a) || looksLikePdf(a))) return read(a.content, meta);
      return looksLikeXml(a) ? readXmlDocument(a.content, a.filename) : undefined;
    }),
  );
}

function looksLikePdf(a: Part): boolean {
  return a.content.subarray(0, 1024).includes('%PDF-');
}

/** Which attachments the XML reader is asked about: by type or name, then the reader judges the bytes. */
function looksLikeXml(a: Pick<Attachment, 'contentType' | 'filename'>): boolean {
  const type = a.contentType.toLowerCase();
  return type.endsWith('/xml') || type.endsWith('+xml') || (a.filename ?? '').toLowerCase().endsWith('.xml');
}

const E_INVOICE_FORMATS = new Set(['ubl-invoice', 'ubl-credit-note', 'cii', 'factur-x']);

/** A reading of a structured e-invoice (UBL, CII, Factur-X) whose XML the reader kept. */
export function isEInvoice(reading: DocumentReading | undefined): reading is DocumentReading & { xml: Buffer } {
  return reading !== undefined && reading.xml !== undefined && E_INVOICE_FORMATS.has(reading.format);
}
