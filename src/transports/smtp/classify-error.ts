import { formatReply, type SmtpReply } from '../../core/smtp-reply.js';
import type { ServerReply } from './client/reply-parser.js';

/**
 * What a failed send means for a recipient. Class first (RFC 5321: 4yz transient, 5yz
 * permanent), then the error code for what the class cannot say.
 */
export type FailureOutcome = 'deferred' | 'bounced';

/** The parts of a client error (smtp-client/client-errors.ts) or a reply that decide the outcome. */
export interface ReplyLike {
  readonly responseCode?: number;
  readonly code?: string;
}

/**
 * Failures of our session with the next hop, not of the message: a 535 from the smarthost
 * means our credentials are wrong, and bouncing every queued mail for that would be wrong.
 * They wait (deferred) until the admin fixes the hop.
 */
const HOP_FAILURES: ReadonlySet<string> = new Set(['EAUTH', 'ETLS']);

/**
 * Refused by our client before a server said anything (an address with `<>` or CR/LF):
 * sending it again fails the same way. A message over the announced SIZE gets a 552 reply.
 */
const LOCAL_PERMANENT: ReadonlySet<string> = new Set(['EENVELOPE']);

export function classify(reply: ReplyLike): FailureOutcome {
  if (reply.code !== undefined && HOP_FAILURES.has(reply.code)) return 'deferred';
  const code = reply.responseCode;
  if (code !== undefined && code >= 500 && code < 600) return 'bounced';
  if (code !== undefined && code >= 400 && code < 500) return 'deferred';
  // No reply at all: timeouts, refused or reset connections, DNS trouble, a drop after the
  // final dot. Only our client's own refusal of the envelope is permanent.
  if (code === undefined && reply.code !== undefined && LOCAL_PERMANENT.has(reply.code)) return 'bounced';
  return 'deferred';
}

/** The parts of an error `describe` reads; a client error caused by a reply carries it as `response`. */
export interface ErrorLike {
  readonly response?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
}

/**
 * Our code and status for a failure that got no reply from a server: 4xx, since classify defers
 * all of them but our client's own refusal of the envelope, which cannot pass on a retry.
 */
const LOCAL_STATUS: Readonly<Record<string, readonly [number, string]>> = {
  EENVELOPE: [553, '5.1.3'],
  ETIMEDOUT: [451, '4.4.2'],
  ENOTFOUND: [451, '4.4.3'],
  EAI_AGAIN: [451, '4.4.3'],
  EAI_NONAME: [451, '4.4.3'],
  EDNS: [451, '4.4.3'],
  ETARGET: [451, '4.4.1'],
  ETLS: [451, '4.7.5'],
  EAUTH: [451, '4.7.0'],
  EPROTOCOL: [451, '4.5.0'],
};

/**
 * A failure that ended the attempt, as a typed reply: the server's reply when one caused it (a
 * 535 to AUTH), else ours, with `failure` set to the error's code and `line` to its words, which
 * the history shows as before ("connect ECONNREFUSED 127.0.0.1:2526").
 */
export function failureReply(err: unknown): SmtpReply {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorLike & { readonly reply?: unknown };
  if (isServerReply(e.reply)) return serverReply(e.reply);
  const line = describe(err);
  const failure = typeof e.code === 'string' ? e.code : 'EUNKNOWN';
  const [code, enhanced] = LOCAL_STATUS[failure] ?? [451, '4.4.1'];
  const text = typeof e.message === 'string' && e.message !== '' ? oneLine(e.message) : line;
  return { code, enhanced, text, line, failure };
}

/** A server's reply, typed; `line` keeps it as received on one line where that reads otherwise (multi-line). */
export function serverReply(reply: ServerReply): SmtpReply {
  const typed = { code: reply.code, enhanced: reply.enhanced, text: reply.text };
  const line = oneLine(reply.response);
  return line === formatReply(typed) ? typed : { ...typed, line };
}

function isServerReply(value: unknown): value is ServerReply {
  return (
    typeof (value as { code?: unknown } | null)?.code === 'number' &&
    typeof (value as ServerReply).response === 'string'
  );
}

/** One line: replies go into the queue history and into DSN header fields. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * A reply string for the history: the server's full response when it gave one, else the
 * error in a readable form ("connect ECONNREFUSED 127.0.0.1:2526", "ETIMEDOUT: Timeout").
 */
export function describe(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  if (typeof e.response === 'string' && e.response.trim() !== '') return oneLine(e.response);
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'unknown error';
  const code = typeof e.code === 'string' ? e.code : undefined;
  // "connect ECONNREFUSED ..." already names its cause; a wrapper code would only add noise
  const namesCode = /\bE[A-Z]{3,}\b/.test(message);
  return oneLine(code === undefined || namesCode ? message : `${code}: ${message}`);
}
