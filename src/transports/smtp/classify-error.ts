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
