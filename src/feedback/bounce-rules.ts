import { BOUNCE_RULES, type BounceRule } from './bounce-rules.data.js';

/** What a bounce means for the recipient and for the suppression list. */
export interface BounceVerdict {
  readonly category: 'hard' | 'soft' | 'delayed';
  readonly userUnknown: boolean;
  readonly label: string;
}

/** The first rule of the table that matches `text`, or undefined. */
export function matchRules(text: string, rules: readonly BounceRule[] = BOUNCE_RULES): BounceVerdict | undefined {
  const rule = rules.find((r) => r.pattern.test(text));
  return rule && { category: rule.category, userUnknown: rule.userUnknown === true, label: rule.label };
}

const USER_UNKNOWN_STATUS = /^5\.1\.(?:1|10)$/;

/**
 * A DSN recipient block (RFC 3464): `Action` decides delayed against failed; for a failure
 * the status code first (5.1.1 is "user unknown" whatever the text says), then the rule
 * table on the diagnostic text, then the status class (5 = hard, 4 = soft). Undefined for
 * actions that are not failures (delivered, relayed, expanded).
 */
export function classifyDsn(
  action: string,
  status: string | undefined,
  diagnostic: string | undefined,
): BounceVerdict | undefined {
  const a = action.toLowerCase();
  if (a === 'delayed') return { category: 'delayed', userUnknown: false, label: 'delayed' };
  if (a !== 'failed') return undefined;
  if (status !== undefined && USER_UNKNOWN_STATUS.test(status))
    return { category: 'hard', userUnknown: true, label: `user unknown (${status})` };
  const byText = diagnostic === undefined ? undefined : matchRules(diagnostic);
  if (byText && byText.category !== 'delayed') return byText;
  const permanent = status === undefined || status.startsWith('5');
  return {
    category: permanent ? 'hard' : 'soft',
    userUnknown: false,
    label: status === undefined ? 'failed' : `failed (${status})`,
  };
}
