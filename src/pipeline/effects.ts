import type { QueuedCopy, Annotation } from '../core/effects.js';
import type { PipelineDeps } from './shared.js';
import type { Draft } from './draft.js';

/**
 * Writes what the stages asked for, once they all ran, in one queue transaction: the copies to
 * queue and the annotations, both or neither. A failure never stops the message itself: it is
 * logged and answered false, so the attempt keeps none of this rendering and the next attempt
 * runs the stages, and so their effects, again (a copy's id is derived from the original's and
 * one already queued is left alone, so never twice). True when there was nothing to write.
 */
export async function writeEffects(deps: PipelineDeps, draft: Draft): Promise<boolean> {
  if (draft.effects.length === 0 || !deps.effects) return true;
  const copies: QueuedCopy[] = [];
  const annotations: Annotation[] = [];
  for (const effect of draft.effects) {
    if (effect.kind === 'queue-copy') copies.push({ message: effect.message, raw: effect.raw, ...heldCopy(draft) });
    else annotations.push({ queueId: effect.queueId, note: effect.note });
  }
  const queueId = draft.message.id;
  try {
    const queued = await deps.effects.writeEffects({ copies, annotations });
    for (const copy of queued) deps.logger.info({ queueId, copyId: copy.id }, 'accountant copy queued');
    return true;
  } catch (err) {
    deps.logger.error(
      { queueId, err, copies: copies.length, annotations: annotations.length },
      'could not write the accountant copy and content annotation; the next attempt renders again',
    );
    return false;
  }
}

/** The copy of a message held for review is queued held too: released or cancelled with its message. */
function heldCopy(draft: Draft): { held?: string } {
  const hold = draft.message.review?.ended === undefined ? draft.hold : undefined;
  return hold ? { held: `held with its message ${draft.message.id} (review)` } : {};
}
