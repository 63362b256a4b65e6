import type { SmtpReply } from '../../core/smtp-reply.js';
import type { RecipientResult } from '../../core/types.js';
import { classify, failureReply, type ReplyLike, serverReply } from './classify-error.js';
import type { RecipientAnswer } from './client/transaction.js';

/**
 * The transports' edge: our SMTP client's typed answers (smtp-client/) become one
 * RecipientResult per envelope recipient, in envelope order, with the reply typed (the queue
 * keeps it as received, on one line: replyLine in core/smtp-reply.ts).
 */

/** The same outcome for every recipient, for failures found before talking to a server. */
export function sameResult(
  to: readonly string[],
  outcome: RecipientResult['outcome'],
  reply: SmtpReply,
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
    return { outcome: classify((answer ?? {}) as ReplyLike), reply: failureReply(answer) };
  const delivered = answer.code >= 200 && answer.code < 300;
  return {
    outcome: delivered ? 'delivered' : classify({ responseCode: answer.code }),
    reply: serverReply(answer),
  };
}
