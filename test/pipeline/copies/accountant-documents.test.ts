import { describe, expect, it } from 'vitest';
import { readAttachment } from '../../../src/documents/read-attachment.js';
import { accountantDocuments, isForAccountant } from '../../../src/pipeline/copies/accountant-documents.js';
import { isDocumentAttachment } from '../../../src/pipeline/copies/sender-accountant.js';
import { facturXPdf, minimalCii } from '../../helpers/pdf-fixtures.js';

// The reader the gateway gives is the pool's; the same reading on this thread is what a test needs.
const read = (bytes: Buffer, meta: { filename?: string | undefined }) =>
  readAttachment(bytes, meta.filename !== undefined ? { filename: meta.filename } : {});

describe("what the accountant gets of a message's attachments", () => {
  it('a Factur-X PDF goes as it came, plus its embedded XML as a file of its own, byte for byte', async () => {
    const xml = minimalCii();
    const pdf = await facturXPdf(xml);
    const other = Buffer.from('<?xml version="1.0"?><export/>');
    const docs = await accountantDocuments(
      [
        { content: pdf, contentType: 'application/pdf', filename: 'FX-2026-0099.pdf' },
        { content: other, contentType: 'application/xml', filename: 'export.xml' },
      ],
      isDocumentAttachment,
      read,
    );
    expect(docs.kind).toBe('invoice');
    expect(docs.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['FX-2026-0099.pdf', 'application/pdf'],
      ['FX-2026-0099.xml', 'application/xml'],
    ]);
    expect(docs.attachments[0]!.content.equals(pdf)).toBe(true);
    expect(docs.attachments[1]!.content.equals(Buffer.from(xml))).toBe(true);
  });

  it('without a reader a PDF is not opened: the Factur-X PDF goes as a plain PDF, as before', async () => {
    const pdf = await facturXPdf(minimalCii());
    const docs = await accountantDocuments(
      [{ content: pdf, contentType: 'application/pdf', filename: 'f.pdf' }],
      isDocumentAttachment,
    );
    expect(docs).toEqual({ attachments: [expect.objectContaining({ filename: 'f.pdf' })] });
  });

  it('the detection decides; the e-invoice only when no rule matched', () => {
    const withKind = { attachments: [], kind: 'invoice' as const };
    expect(isForAccountant({ documentType: 'quote', matchedRule: 'builtin:quote-subject-fr' }, withKind)).toBe(false);
    expect(isForAccountant({ documentType: 'other', matchedRule: null }, withKind)).toBe(true);
    expect(isForAccountant({ documentType: 'other', matchedRule: null }, { attachments: [] })).toBe(false);
    expect(isForAccountant({ documentType: 'credit-note', matchedRule: 'x' }, { attachments: [] })).toBe(true);
  });
});
