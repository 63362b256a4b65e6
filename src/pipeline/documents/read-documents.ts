import type { DocumentReading } from '../../documents/facts.js';
import type { Logger } from '../../core/logger.js';

/**
 * Reads one attachment off the main thread (src/documents/reader-pool.ts): bounded work, a
 * `DocumentReading` with `problems` for a hostile or broken file, never a throw by design.
 */
export type ReadAttachment = (
  bytes: Buffer,
  meta: { readonly filename?: string | undefined; readonly contentType?: string | undefined },
) => Promise<DocumentReading>;

export interface AttachmentBytes {
  readonly content: Buffer;
  readonly filename?: string | undefined;
  readonly contentType: string;
}

/** A message with more attachments than this has the first ones read: invoices come first. */
export const MAX_READ_ATTACHMENTS = 5;
const SNIFF = 1024;

/** PDF or XML by its first bytes, never by the file name or the type the package gave it. */
export function looksLikeDocument(bytes: Buffer): boolean {
  const head = bytes.subarray(0, SNIFF).toString('latin1');
  if (head.includes('%PDF-')) return true;
  return /^(?:\u00ef\u00bb\u00bf)?\s*</.test(head);
}

/**
 * Every attachment that looks like a PDF or XML, read once, in order. A reader that fails
 * anyway (a worker died) yields an `unknown` reading with the reason: a document never stops
 * the mail. Each reading with problems is logged, with the file name, for the operator.
 */
export async function readAttachedDocuments(
  read: ReadAttachment,
  attachments: readonly AttachmentBytes[],
  log: { readonly logger: Logger; readonly queueId: string; readonly tenantId: string },
): Promise<DocumentReading[]> {
  const candidates = attachments.filter((a) => looksLikeDocument(a.content)).slice(0, MAX_READ_ATTACHMENTS);
  const readings = await Promise.all(candidates.map((a) => readOne(read, a)));
  for (const r of readings) {
    if (r.problems.length === 0) continue;
    log.logger.warn(
      { queueId: log.queueId, tenantId: log.tenantId, filename: r.filename, format: r.format, problems: r.problems },
      'attachment not fully read; the message goes on without what it could not give',
    );
  }
  return readings;
}

async function readOne(read: ReadAttachment, a: AttachmentBytes): Promise<DocumentReading> {
  const filename = a.filename !== undefined ? { filename: a.filename } : {};
  try {
    return await read(a.content, { filename: a.filename, contentType: a.contentType });
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    return { ...filename, format: 'unknown', facts: {}, problems: [`not read: ${reason}`] };
  }
}
