import type { Attachment } from 'mailparser';
import type { DocumentReading } from '../documents/facts.js';
import { readXmlDocument } from '../documents/xml/read-xml.js';
import { parseMail } from '../mime/parse-mail.js';

/**
 * What the stages that need the attached documents (Peppol delivery) read them through: the
 * readings an earlier stage kept on the draft when there are any, else read here. Only called for
 * a tenant that uses them, so a message of any other tenant is never parsed for it.
 */
export async function documentsOf(draft: {
  readonly source: Buffer;
  readonly documents?: readonly DocumentReading[] | undefined;
}): Promise<readonly DocumentReading[]> {
  if (draft.documents !== undefined) return draft.documents;
  const parsed = await parseMail(draft.source, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  return readAttachments(parsed.attachments).filter((r): r is DocumentReading => r !== undefined);
}

/**
 * Each attachment's reading, index for index: XML by the XML reader; anything else is not read
 * here (undefined).
 */
export function readAttachments(
  attachments: readonly Pick<Attachment, 'content' | 'contentType' | 'filename'>[],
): (DocumentReading | undefined)[] {
  return attachments.map((a) => (looksLikeXml(a) ? readXmlDocument(a.content, a.filename) : undefined));
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
