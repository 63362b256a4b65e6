import { formatReply, replyLine, type SmtpReply } from '../../src/core/smtp-reply.js';

const LINE = /^(\d{3})(?: ([245]\.\d{1,3}\.\d{1,3})(?= |$))? ?(.*)$/s;

/**
 * A typed reply from the one line the history shows ("550 5.1.1 no such user", "250"), for tests that write
 * results the way the message log reads: `replyLine(replyOf(line)) === line` for every line.
 */
export function replyOf(line: string): SmtpReply {
  const match = LINE.exec(line);
  if (!match) return { code: 451, enhanced: '4.4.1', text: line, line, failure: 'EUNKNOWN' };
  const typed = { code: Number(match[1]), enhanced: match[2] ?? '', text: match[3] ?? '' };
  return formatReply(typed) === line ? typed : { ...typed, line };
}

/** A matcher for a typed reply whose line form (what the message log shows) is `pattern` or matches it. */
export function replyMatching(pattern: RegExp | string): {
  asymmetricMatch(actual: unknown): boolean;
  toString(): string;
} {
  const test = (line: string): boolean => (typeof pattern === 'string' ? line === pattern : pattern.test(line));
  return {
    asymmetricMatch: (actual) =>
      typeof (actual as SmtpReply | null)?.code === 'number' && test(replyLine(actual as SmtpReply)),
    toString: () => `replyMatching(${pattern})`,
  };
}
