import { matchRules } from '../bounce-rules.js';

/** Why an invoice did not arrive, in the few kinds a tenant can act on (alert-texts.ts words them). */
export type AlertReason =
  | 'mailbox-unknown'
  | 'domain-unknown'
  | 'mailbox-full'
  | 'too-big'
  | 'blocked'
  | 'delayed'
  | 'gave-up'
  | 'refused';

const BY_STATUS: ReadonlyArray<readonly [RegExp, AlertReason]> = [
  [/^5\.1\.(?:1|10)$/, 'mailbox-unknown'],
  [/^[45]\.1\.2$|^[45]\.4\.4$/, 'domain-unknown'],
  [/^[45]\.2\.2$/, 'mailbox-full'],
  [/^[45]\.(?:2\.3|3\.4)$/, 'too-big'],
  [/^[45]\.7\.\d+$/, 'blocked'],
];

const BY_LABEL: ReadonlyArray<readonly [RegExp, AlertReason]> = [
  [/^user unknown/, 'mailbox-unknown'],
  [/^bad domain/, 'domain-unknown'],
  [/^mailbox full/, 'mailbox-full'],
  [/^too big/, 'too-big'],
  [/^blocked/, 'blocked'],
];

/**
 * The plain reason of a bounce reply ("550 5.1.1 <x>: Recipient address rejected"): its enhanced status code first,
 * then the bounce rule table (bounce-rules.data.ts) on its text; a deferral is "delayed" whatever it says, and
 * retries given up (expired) "gave up".
 */
export function alertReason(reply: string, event: 'bounced' | 'deferred' | 'expired'): AlertReason {
  if (event === 'deferred') return 'delayed';
  if (event === 'expired') return 'gave-up';
  const status = /(?:^|\s)([245]\.\d{1,3}\.\d{1,3})(?=\s|$|[:;,])/.exec(reply)?.[1];
  const byStatus = status === undefined ? undefined : BY_STATUS.find(([re]) => re.test(status))?.[1];
  if (byStatus) return byStatus;
  const label = matchRules(reply)?.label ?? '';
  return BY_LABEL.find(([re]) => re.test(label))?.[1] ?? 'refused';
}
