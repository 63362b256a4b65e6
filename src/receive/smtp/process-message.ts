import { Replies, type SmtpReply } from '../../core/smtp-reply.js';
import { findField, normalizeLineEndings, type HeaderField } from '../../mime/index.js';
import type { SenderFields } from '../../tenants/ownership/sender-guard.js';
import { checkStructure, isLooping, STRUCTURE_LIMITS, type StructureLimits } from '../../mime/message-structure.js';
import { addTraceHeaders, type TraceInfo } from './trace-headers.js';

export type Processed =
  | {
      readonly kind: 'accept';
      readonly message: Buffer;
      readonly messageId: string;
      readonly subject?: string;
      readonly senders: SenderFields;
    }
  | { readonly kind: 'refuse'; readonly reply: SmtpReply; readonly reason: string };

const MAX_SUBJECT = 998;

/**
 * The CPU part of accepting a message, in order: refuse NUL bytes, normalise line endings,
 * check the structure, add trace headers. Pure and synchronous; it runs on every message,
 * so each step jumps through the buffer with Buffer.indexOf rather than byte loops.
 */
export function processMessage(raw: Buffer, trace: TraceInfo, limits: StructureLimits = STRUCTURE_LIMITS): Processed {
  if (raw.indexOf(0) !== -1) return { kind: 'refuse', reply: Replies.nulByte(), reason: 'nul' };
  const normalized = normalizeLineEndings(raw);
  const structure = checkStructure(normalized, limits);
  if (!structure.ok) return { kind: 'refuse', reply: Replies.malformed(structure.why), reason: 'malformed' };
  if (isLooping(structure.fields, limits.maxHops))
    return { kind: 'refuse', reply: Replies.tooManyHops(), reason: 'loop' };
  const { message, messageId } = addTraceHeaders(normalized, structure.header, structure.fields, trace);
  const subject = rawSubject(findField(structure.fields, 'subject')?.value);
  return {
    kind: 'accept',
    message,
    messageId,
    ...(subject !== undefined ? { subject } : {}),
    senders: senderFields(structure.fields),
  };
}

/**
 * The fields whose addresses the sender guard checks, every occurrence (a second From must not hide behind the first).
 */
function senderFields(fields: readonly HeaderField[]): SenderFields {
  const values = (name: string): string[] => fields.filter((f) => f.name === name).map((f) => f.value);
  return { from: values('from'), sender: values('sender'), replyTo: values('reply-to') };
}

/** Headers were read as latin1 (byte-exact); a raw 8-bit Subject is almost always UTF-8. */
function rawSubject(latin1: string | undefined): string | undefined {
  if (latin1 === undefined) return undefined;
  return Buffer.from(latin1, 'latin1').toString('utf8').slice(0, MAX_SUBJECT);
}
