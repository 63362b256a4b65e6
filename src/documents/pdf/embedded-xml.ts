import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';
import type { DocumentReading } from '../facts.js';
import { readXmlDocument } from '../xml/read-xml.js';

/**
 * The e-invoice a Factur-X / ZUGFeRD / XRechnung PDF carries as an embedded file: any embedded XML
 * the XML reader recognises as UBL or CII, or well-formed XML under a name the standards give it.
 * Hostile or broken XML (refused by the XML reader) never makes the PDF a Factur-X.
 */
const INVOICE_NAMES = new Set(['factur-x.xml', 'zugferd-invoice.xml', 'xrechnung.xml', 'order-x.xml']);
const E_INVOICE_FORMATS = new Set(['ubl-invoice', 'ubl-credit-note', 'cii']);
const MAX_ATTACHMENTS = 20;
const MAX_XML_BYTES = 10 * 1024 * 1024;

export interface EmbeddedInvoice {
  readonly filename: string;
  readonly xml: Buffer;
  readonly reading: DocumentReading;
}

interface Attachment {
  readonly filename?: unknown;
  readonly content?: unknown;
}

export async function embeddedInvoice(pdf: PDFDocumentProxy, problems: string[]): Promise<EmbeddedInvoice | undefined> {
  const attachments = await pdf.getAttachments().catch((err: unknown) => {
    problems.push(`embedded files unreadable: ${err instanceof Error ? err.message.slice(0, 120) : String(err)}`);
    return null;
  });
  if (attachments === null || typeof attachments !== 'object') return undefined;
  const files = (Object.values(attachments) as Attachment[]).slice(0, MAX_ATTACHMENTS).flatMap(asFile);
  const ordered = [...files].sort((a, b) => Number(isKnownName(b.filename)) - Number(isKnownName(a.filename)));
  for (const file of ordered) {
    if (file.xml.length > MAX_XML_BYTES) {
      problems.push(`embedded ${file.filename} skipped: ${file.xml.length} bytes`);
      continue;
    }
    const reading = readXmlDocument(file.xml, file.filename);
    if (E_INVOICE_FORMATS.has(reading.format)) return { ...file, reading };
    if (!isKnownName(file.filename)) continue;
    // A standard name is enough for XML the reader does not know (ZUGFeRD 1's root); not for refused XML.
    if (reading.format !== 'unknown') return { ...file, reading };
    problems.push(`embedded ${file.filename} not read: ${reading.problems.join('; ')}`);
  }
  return undefined;
}

function asFile(attachment: Attachment): { filename: string; xml: Buffer }[] {
  const filename = typeof attachment.filename === 'string' ? attachment.filename : '';
  if (!(attachment.content instanceof Uint8Array)) return [];
  if (!isKnownName(filename) && !filename.toLowerCase().endsWith('.xml')) return [];
  const content = attachment.content;
  return [{ filename, xml: Buffer.from(content.buffer, content.byteOffset, content.byteLength) }];
}

function isKnownName(filename: string): boolean {
  return INVOICE_NAMES.has(filename.toLowerCase());
}
