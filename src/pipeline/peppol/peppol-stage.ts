import { peppolIdFor } from '../../tenants/peppol/peppol-settings.js';
import type { Draft, Stage } from '../draft.js';
import { documentsOf } from '../documents-of.js';
import { peppolCopyId, peppolMessage } from './peppol-copy.js';
import { peppolDocument, type PeppolDeps } from './peppol-document.js';

/** The client recipients the tenant listed a Peppol id for, in the mode given. */
export function listedRecipients(deps: PeppolDeps, draft: Pick<Draft, 'message' | 'pending'>, mode: string): string[] {
  const settings = deps.settings(draft.message.tenantId);
  if (settings.mode !== mode || draft.message.kind !== 'mail') return [];
  return draft.pending
    .filter((r) => (r.role ?? 'client') === 'client' && peppolIdFor(settings, r.address) !== undefined)
    .map((r) => r.address);
}

/**
 * Peppol "alongside" the e-mail: a valid UBL invoice or credit note for listed recipients also
 * goes, as a queued `peppol` message (an effect, once per message), to the tenant's access point.
 * An invalid or missing UBL document sends nothing over Peppol; the mail goes as always.
 */
export const peppolStage: Stage = async (draft, pipeline) => {
  const deps = pipeline.peppol;
  if (!deps || draft.isCopy) return draft;
  const recipients = listedRecipients(deps, draft, 'alongside');
  if (recipients.length === 0 || deps.queue.get(peppolCopyId(draft.message.id))) return draft;
  const doc = peppolDocument(await documentsOf(draft, deps.read));
  if ('skipped' in doc) {
    deps.logger.info({ queueId: draft.message.id, tenantId: draft.message.tenantId }, `peppol: ${doc.skipped}`);
    return draft;
  }
  const copy = peppolMessage(draft.message, recipients, doc, deps.clock(), deps.hostname);
  return { ...draft, effects: [...draft.effects, { kind: 'queue-copy', ...copy }] };
};
