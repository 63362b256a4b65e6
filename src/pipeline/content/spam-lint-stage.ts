import type { Draft, Effect, Stage } from '../draft.js';
import { legacyFromAddress } from '../shared.js';
import { lintMessage } from './spam-lint.js';

/**
 * The spam lint of the rendered message, for the message log. It runs after the identity stage,
 * so the link rule compares with the domain the message actually leaves from: the platform
 * domain in forwarding mode (own-address mode before its domain is verified included), the own
 * domain once verified, the own server's mailbox, the Gmail account or alias, or the legacy From
 * where it stays. Fills in the content note's `lint`; nothing else changes.
 */
export const spamLintStage: Stage = async (draft) => {
  const rendered = draft.content;
  if (rendered === undefined) return draft;
  const lint = lintMessage(rendered.composed, {
    sendingDomain: sendingDomainOf(draft),
    clientName: rendered.detection?.variables['client-name'],
  }).map((w) => ({ rule: w.rule, message: w.message }));
  const id = draft.message.id;
  const effects = draft.effects.map(
    (e): Effect => (e.kind === 'annotate' && e.queueId === id ? { ...e, note: { ...e.note, lint } } : e),
  );
  return { ...draft, effects };
};

/** The domain of the From that leaves: the identity's, else the legacy From that stays. */
export function sendingDomainOf(draft: Pick<Draft, 'identity' | 'split'>): string | undefined {
  const address = draft.identity?.from?.address ?? legacyFromAddress(draft.split);
  const at = address?.lastIndexOf('@') ?? -1;
  return address === undefined || at < 0 ? undefined : address.slice(at + 1).toLowerCase();
}
