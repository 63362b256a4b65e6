import { replyLine } from '../../core/smtp-reply.js';
import { classifyGoogleError } from '../../transports/gmail/gmail-errors.js';

/** What a failed completion of a Gmail link means for the tenant who just gave consent. */
export interface LinkFailure {
  /** Google refused the code (expired, used, malformed): linking must start again. Otherwise Google was not reached. */
  readonly refused: boolean;
  /** Google's answer in one line, for the log. */
  readonly reason: string;
}

export function linkFailure(err: unknown, now: number): LinkFailure {
  const failure = classifyGoogleError(err, now);
  return { refused: failure.kind === 'link-broken' || failure.kind === 'bounce', reason: replyLine(failure.reply) };
}
