import { domainToASCII } from 'node:url';
import type { RecipientResult } from '../core/types.js';
import { classify, describe, type ErrorLike, type ReplyLike } from './classify-error.js';

/**
 * Turns nodemailer's answers (a send info or an error) into one result per envelope
 * recipient, in the order of the envelope. Shared by the smarthost and direct-MX transports.
 */

/** A per-recipient refusal as nodemailer reports it (`rejectedErrors[i]`). */
interface RecipientError extends ReplyLike {
  readonly recipient?: unknown;
  readonly response?: unknown;
}

export interface SendInfoLike {
  readonly response?: string;
  readonly rejectedErrors?: readonly unknown[];
}

/** nodemailer may punycode the domain; comparison is case-insensitive on both sides. */
function addressKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address.toLowerCase();
  const domain = address.slice(at + 1);
  return `${address.slice(0, at)}@${domainToASCII(domain) || domain}`.toLowerCase();
}

function refusals(errors: readonly unknown[] | undefined): Map<string, RecipientError> {
  const byAddress = new Map<string, RecipientError>();
  for (const item of errors ?? []) {
    const err = item as RecipientError;
    if (typeof err.recipient === 'string') byAddress.set(addressKey(err.recipient), err);
  }
  return byAddress;
}

function failed(address: string, err: RecipientError, nextHop: string | undefined): RecipientResult {
  return { address, outcome: classify(err), reply: describe(err), ...(nextHop ? { nextHop } : {}) };
}

/** The message went through: recipients refused at RCPT get their own outcome, the rest are delivered. */
export function resultsFromInfo(to: readonly string[], info: SendInfoLike, nextHop?: string): RecipientResult[] {
  const refused = refusals(info.rejectedErrors);
  const reply = describe({ response: info.response ?? '250 OK' });
  return to.map((address) => {
    const err = refused.get(addressKey(address));
    if (err) return failed(address, err, nextHop);
    return { address, outcome: 'delivered', reply, ...(nextHop ? { nextHop } : {}) };
  });
}

/**
 * The whole send failed. When every recipient was refused at RCPT, nodemailer lists each
 * refusal (`err.rejectedErrors`), so a 451 and a 550 in one envelope keep their own outcomes.
 */
export function resultsFromError(to: readonly string[], err: unknown, nextHop?: string): RecipientResult[] {
  const whole = (typeof err === 'object' && err !== null ? err : {}) as RecipientError & SendInfoLike;
  const refused = refusals(whole.rejectedErrors);
  return to.map((address) => failed(address, refused.get(addressKey(address)) ?? whole, nextHop));
}

/** The same outcome for every recipient, for failures found before talking to a server. */
export function sameResult(to: readonly string[], outcome: RecipientResult['outcome'], reply: string, nextHop?: string): RecipientResult[] {
  return to.map((address) => ({ address, outcome, reply, ...(nextHop ? { nextHop } : {}) }));
}

/**
 * One answer per envelope recipient, in envelope order, as our own SMTP client gives them
 * (smtp-client/): a 2xx server reply is delivered; any other reply, or the error that ended
 * the attempt, is classified like a nodemailer error.
 */
export function resultsFromAnswers(to: readonly string[], answers: readonly (ReplyLike & ErrorLike)[], nextHop?: string): RecipientResult[] {
  return to.map((address, i) => {
    const answer = answers[i] ?? {};
    const code = answer.responseCode;
    const delivered = answer.code === undefined && code !== undefined && code >= 200 && code < 300;
    const outcome = delivered ? 'delivered' : classify(answer);
    return { address, outcome, reply: describe(answer), ...(nextHop ? { nextHop } : {}) };
  });
}
