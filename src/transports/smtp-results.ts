import type { RecipientResult } from '../core/types.js';
import { classify, describe, type ErrorLike, type ReplyLike } from './classify-error.js';

/**
 * The transports' edge: our SMTP client's answers (smtp-client/) become one RecipientResult
 * per envelope recipient, in envelope order, with the reply as the string the queue keeps.
 */

/** The same outcome for every recipient, for failures found before talking to a server. */
export function sameResult(to: readonly string[], outcome: RecipientResult['outcome'], reply: string, nextHop?: string): RecipientResult[] {
  return to.map((address) => ({ address, outcome, reply, ...(nextHop ? { nextHop } : {}) }));
}

/**
 * One answer per envelope recipient: a 2xx server reply is delivered; any other reply, or the
 * error that ended the attempt, is classified by its reply class first, then its error code.
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
