import type { PipelineDeps } from './shared.js';
import type { Draft } from './draft.js';

/**
 * Writes what the stages asked for, once they all ran. Neither write may stop the message
 * itself: a copy that fails to queue is logged and built again at the next attempt (its id is
 * derived from the original's, so never twice); an annotation is for the log only.
 */
export async function applyEffects(deps: PipelineDeps, draft: Draft): Promise<void> {
  const queueId = draft.message.id;
  for (const effect of draft.effects) {
    try {
      if (effect.kind === 'queue-copy') {
        const copy = await deps.accountant?.queue.enqueue(effect.message, effect.raw);
        if (copy) deps.logger.info({ queueId, copyId: copy.id }, 'accountant copy queued');
      } else {
        await deps.content?.store.annotate(effect.queueId, effect.note);
      }
    } catch (err) {
      deps.logger.error(
        { queueId, err },
        effect.kind === 'queue-copy' ? 'accountant copy failed' : 'could not record the content annotation',
      );
    }
  }
}
