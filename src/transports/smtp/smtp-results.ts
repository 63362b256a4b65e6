import type { RecipientResult } from '../../core/types.js';
import { classify, describe, oneLine, type ReplyLike } from './classify-error.js';
import type { RecipientAnswer } from './client/transaction.js';

/**
 * The transports' edge: our SMTP client's typed answers (smtp-client/) become one
 * RecipientResult per envelope recipient, in envelope order, with the reply as the string
 * the queue keeps (the reply as received, on one line).
 */

/** The same outcome for every recipient, for failures found before talking to a server. */
export function sameResult(
  to: readonly string[],
  outcome: RecipientResult['outcome'],
  reply: string,
  nextHop?: string,
): RecipientResult[] {
  return to.map((address) => ({ address, outcome, reply, ...(nextHop ? { nextHop } : {}) }));
}

/**
 * One answer per envelope recipient: a 2xx reply is delivered, any other reply is classified
 * by its class; an error that ended the attempt by its reply class first, then its code.
 */
export function resultsFromAnswers(
  to: readonly string[],
  answers: readonly RecipientAnswer[],
  nextHop?: string,
): RecipientResult[] {
  return to.map((address, i) => ({ address, ...judge(answers[i]), ...(nextHop ? { nextHop } : {}) }));
}

function judge(answer: RecipientAnswer | undefined): Pick<RecipientResult, 'outcome' | 'reply'> {
  if (answer === undefined || answer instanceof Error)
    return { outcome: classify((answer ?? {}) as ReplyLike), reply: describe(answer) };
  const delivered = answer.code >= 200 && answer.code < 300;
  return {
    outcome: delivered ? 'delivered' : classify({ responseCode: answer.code }),
    reply: oneLine(answer.response),
  };
}
