import { z } from 'zod';
import type { DocumentFacts, DocumentReading, Fact, Money } from '../../../documents/facts.js';
import { mergedFacts } from '../../../pipeline/documents/document-facts.js';
import { documentVariables } from '../../../pipeline/documents/document-variables.js';
import { looksLikeDocument, type ReadAttachment } from '../../../pipeline/documents/read-documents.js';
import { invalidRequest } from './api-errors.js';

/**
 * A sample attachment for the content preview: read through the same reader as mail (the worker
 * pool), and shown as the facts found, the rules it fails and what its variables become.
 */

/** Decoded size; the preview route's JSON body may be this much in base64 (router.ts). */
export const PREVIEW_ATTACHMENT_BYTES = 2 * 1024 * 1024;
export const PREVIEW_BODY_BYTES = Math.ceil((PREVIEW_ATTACHMENT_BYTES * 4) / 3) + 64 * 1024;

export const previewAttachmentSchema = z
  .strictObject({
    filename: z.string().max(255).optional(),
    contentType: z.string().max(255).optional(),
    content: z
      .base64()
      .max(Math.ceil((PREVIEW_ATTACHMENT_BYTES * 4) / 3), 'the sample attachment is larger than 2 MB')
      .meta({ description: 'The file, base64; at most 2 MB' }),
  })
  .meta({ description: 'A sample PDF or XML invoice: its facts fill the variables, as they would in mail' });

const ruleFailureSchema = z.object({ rule: z.string(), message: z.string() });
/** An attachment as the message log shows it (pipeline/documents/document-notes.ts). */
export const documentNoteSchema = z.object({
  filename: z.string().optional(),
  format: z.string().meta({ description: 'ubl-invoice, ubl-credit-note, cii, factur-x, pdf-text, pdf-scan, …' }),
  number: z.string().optional(),
  validation: z.array(ruleFailureSchema).optional().meta({ description: 'Failed business rules, in plain words' }),
  problems: z.array(z.string()).optional().meta({ description: 'What could not be read, and why' }),
});

const factSchema = z.object({
  value: z.string(),
  source: z.enum(['xml', 'pdf-text']),
  confidence: z.number(),
});

export const previewDocumentSchema = z.object({
  filename: z.string().optional(),
  format: z.string().meta({ description: 'ubl-invoice, ubl-credit-note, cii, factur-x, pdf-text, pdf-scan, …' }),
  facts: z.record(z.string(), factSchema).meta({ description: 'Each fact found, with its source and confidence' }),
  variables: z
    .record(z.string(), z.string())
    .meta({ description: 'What the document variables become in the preview language' }),
  validation: z.array(ruleFailureSchema),
  problems: z.array(z.string()),
});
export type PreviewDocument = z.infer<typeof previewDocumentSchema>;

export async function readSample(
  read: ReadAttachment | undefined,
  sample: z.output<typeof previewAttachmentSchema>,
): Promise<DocumentReading> {
  const bytes = Buffer.from(sample.content, 'base64');
  if (bytes.length > PREVIEW_ATTACHMENT_BYTES)
    throw invalidRequest({ 'body.attachment.content': ['the sample attachment is larger than 2 MB'] });
  if (read === undefined || !looksLikeDocument(bytes))
    return {
      ...(sample.filename !== undefined ? { filename: sample.filename } : {}),
      format: 'unknown',
      facts: {},
      problems: ['not a PDF or XML file'],
    };
  return read(bytes, { filename: sample.filename, contentType: sample.contentType });
}

function shown(fact: Fact<string | Money>): z.infer<typeof factSchema> {
  const value = typeof fact.value === 'string' ? fact.value : `${fact.value.amount} ${fact.value.currency}`;
  return { value, source: fact.source, confidence: fact.confidence };
}

export function previewDocument(reading: DocumentReading, language: string): PreviewDocument {
  const facts: Record<string, z.infer<typeof factSchema>> = {};
  for (const [name, fact] of Object.entries(reading.facts) as [keyof DocumentFacts, Fact<string | Money> | undefined][])
    if (fact !== undefined) facts[name] = shown(fact);
  return {
    ...(reading.filename !== undefined ? { filename: reading.filename } : {}),
    format: reading.format,
    facts,
    variables: documentVariables(mergedFacts([reading]), language),
    validation: (reading.validation ?? []).map((f) => ({ rule: f.rule, message: f.message })),
    problems: [...reading.problems],
  };
}
