import type { HoldRequest } from '../../core/hold.js';
import { fieldValue, findFields, splitMessage } from '../../mime/index.js';
import { parseMail } from '../../mime/parse-mail.js';
import { detectDocumentYielding } from '../detect/detect.js';
import { detectionInputFrom } from '../detect/detection-input.js';
import type { Draft, Stage } from '../draft.js';
import type { PipelineDeps } from '../shared.js';
import { asksForHold, HOLD_HEADER, type HoldRules } from './hold-rules.js';
import type { ReviewStageDeps } from './hold-rules-store.js';

/**
 * Review holds, after the content stage (which detected the document type): the package's
 * `X-Postbode-Hold: yes` (read from the source, before the content stage's hidden headers are
 * gone), every message of a held document type, the first N after a settings change. A hold an
 * earlier stage asked for wins; accountant copies follow their message and are never held on
 * their own; a message already reviewed (or being edited) is not held again.
 */
export const holdStage: Stage = async (draft, deps) => {
  // Already reviewed or under review (an edit renders it again): the rules are not asked, nor counted, again.
  if (draft.hold || draft.isCopy || !deps.review || draft.message.review !== undefined) return draft;
  const hold = await holdFor(draft, deps, deps.review);
  return hold ? { ...draft, hold } : draft;
};

async function holdFor(draft: Draft, deps: PipelineDeps, review: ReviewStageDeps): Promise<HoldRequest | undefined> {
  const rules = review.rules.get(draft.message.tenantId);
  if (rules.header && headerAsks(draft.source)) {
    return { reason: 'header', detail: 'the package asked for it (X-Postbode-Hold: yes)' };
  }
  const type = await documentType(draft, deps, rules);
  if (type !== undefined && rules.documentTypes.includes(type)) {
    return { reason: 'document-type', detail: `every ${type} is held for review` };
  }
  if (rules.afterSettingsChange > 0 && draft.fingerprint !== undefined) {
    const taken = await review.rules.takeAfterChange(
      draft.message.tenantId,
      draft.fingerprint,
      rules.afterSettingsChange,
    );
    if (taken.held) {
      const detail = `message ${taken.place} of ${rules.afterSettingsChange} after a settings change`;
      return { reason: 'settings-changed', detail };
    }
  }
  return undefined;
}

function headerAsks(source: Buffer): boolean {
  return findFields(splitMessage(source), HOLD_HEADER).some((f) => asksForHold(fieldValue(f)));
}

/**
 * The content stage's detection; without content settings, detected here with the built-in
 * rules, and only for a tenant that holds some document type (the one case that pays a parse).
 */
async function documentType(draft: Draft, deps: PipelineDeps, rules: HoldRules): Promise<string | undefined> {
  if (rules.documentTypes.length === 0) return undefined;
  const detected = draft.content?.detection?.documentType;
  if (detected !== undefined) return detected;
  try {
    const parsed = await parseMail(draft.source, { keepCidLinks: true });
    const settings = deps.content?.store.get(draft.message.tenantId)?.settings;
    const input = detectionInputFrom(parsed);
    return (await detectDocumentYielding(input, settings?.rules ?? [], settings?.builtinRules ?? true)).documentType;
  } catch (err) {
    deps.logger.warn({ queueId: draft.message.id, err }, 'review rules: could not detect the document type');
    return undefined;
  }
}
