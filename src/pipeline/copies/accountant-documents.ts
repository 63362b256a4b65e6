import type { Attachment } from 'mailparser';
import type { DocumentKind, DocumentReading } from '../../documents/facts.js';
import type { Detection } from '../detect/detect.js';
import { isEInvoice, readAttachments, type DocumentReader } from '../documents-of.js';

/**
 * What the accountant gets of a message's attachments. With a structured e-invoice attached
 * (UBL, CII, or a Factur-X PDF) the e-invoice's XML goes, byte for byte (a Factur-X PDF as it
 * came plus its embedded XML as a file of its own), with the PDFs the client got; XML that is
 * no e-invoice stays out. Without one, as before: every PDF and XML attachment, unchecked.
 */
export interface AccountantAttachment {
  readonly content: Buffer;
  readonly contentType: string;
  readonly filename?: string | undefined;
}

export interface AccountantDocuments {
  readonly attachments: readonly AccountantAttachment[];
  /** The e-invoice's own kind (invoice or credit note) when one is attached. */
  readonly kind?: DocumentKind;
}

type Part = Pick<Attachment, 'content' | 'contentType' | 'filename'>;

export async function accountantDocuments(
  attachments: readonly Part[],
  isDocument: (a: Part) => boolean,
  read?: DocumentReader,
): Promise<AccountantDocuments> {
  const readings = await readAttachments(attachments, read);
  const invoices = readings.filter(isEInvoice);
  if (invoices.length === 0) return { attachments: attachments.filter(isDocument) };
  const out: AccountantAttachment[] = [];
  attachments.forEach((a, i) => {
    const reading = readings[i];
    if (isEInvoice(reading)) out.push(...eInvoiceParts(a, reading));
    else if (isDocument(a) && isPdf(a)) out.push(a);
  });
  const kind = invoices.find((r) => r.facts.kind !== undefined)?.facts.kind?.value;
  return { attachments: out, ...(kind !== undefined ? { kind } : {}) };
}

function eInvoiceParts(a: Part, reading: DocumentReading & { xml: Buffer }): AccountantAttachment[] {
  if (reading.format !== 'factur-x') return [a];
  const base = (a.filename ?? 'factur-x').replace(/\.pdf$/i, '');
  return [a, { content: reading.xml, contentType: 'application/xml', filename: `${base}.xml` }];
}

function isPdf(a: Part): boolean {
  return a.contentType.toLowerCase() === 'application/pdf' || (a.filename ?? '').toLowerCase().endsWith('.pdf');
}

/**
 * Whether the accountant gets a copy: the tenant's detection says invoice or credit note; or
 * no rule matched at all and an attached e-invoice says what it is. A rule that called the
 * message a quote, order or reminder decides, whatever is attached.
 */
export function isForAccountant(detection: Pick<Detection, 'documentType' | 'matchedRule'>, docs: AccountantDocuments) {
  if (detection.documentType === 'invoice' || detection.documentType === 'credit-note') return true;
  return detection.matchedRule === null && docs.kind !== undefined;
}
