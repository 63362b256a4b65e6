import type { Logger } from '../../core/logger.js';
import type { DraftSplit } from './draft-split.js';
import type { GraphDrafts } from './graph-drafts.js';

/**
 * The draft path of one send: draft from the MIME, each attachment uploaded, the draft sent. A
 * failure on the way deletes the draft (a half-built message must not stay in the mailbox's Drafts
 * to be sent by hand) and the failure goes on to be classified like a sendMail one.
 */
export async function sendAsDraft(
  drafts: GraphDrafts,
  token: string,
  userId: string,
  split: Extract<DraftSplit, { kind: 'split' }>,
  logger: Logger,
): Promise<void> {
  const draftId = await drafts.create(token, userId, split.mime);
  try {
    for (const file of split.attachments) await drafts.attach(token, userId, draftId, file);
    await drafts.send(token, userId, draftId);
  } catch (err) {
    await drafts.remove(token, userId, draftId).catch((cause: unknown) => {
      logger.warn({ err: cause }, 'microsoft365 draft of a failed send could not be deleted');
    });
    throw err;
  }
}
