/**
 * The free-text bounce rule table, in the spirit of ZoneMTA's bounce rules: the first pattern
 * that matches a bounce's text decides. `category`: hard = the address will not work
 * (counts towards suppression), soft = this message failed but the address may work later
 * (full mailbox, too big, spam verdict), delayed = still being retried by the remote.
 * `userUnknown` marks the 5.1.1 family: it suppresses after `mx.userUnknownBounces` bounces.
 * Order matters: the narrow patterns come first. Add rules here, with a test case.
 */
export interface BounceRule {
  readonly pattern: RegExp;
  readonly category: 'hard' | 'soft' | 'delayed';
  readonly userUnknown?: true;
  /** Short label for the log. */
  readonly label: string;
}

/** Phrases of a "still trying" notice, as regex sources. */
const DELAY_PHRASES = [
  'has not yet been delivered',
  'delivery (?:has been|is) delayed',
  'will (?:continue|retry|keep) (?:trying|to try)',
  'delivery attempts will continue',
];

/** What follows "user", "mailbox", ... in a user-unknown reply, as regex sources. */
const NOT_THERE = [
  'unknown',
  'not found',
  'does not exist',
  "doesn't exist",
  'no such',
  'invalid',
  'unavailable',
  'disabled',
  'not exist',
];

const USER_UNKNOWN = [
  String.raw`\b(?:user|mailbox|recipient|address)\b.{0,30}\b(?:${NOT_THERE.join('|')})\b`,
  String.raw`\bno such (?:user|mailbox|recipient)\b`,
  String.raw`\bunknown (?:user|recipient|mailbox)\b`,
  String.raw`\b5\.1\.1\b`,
];

export const BOUNCE_RULES: readonly BounceRule[] = [
  // Delays first: "will retry" notices often quote the same 4xx text a failure would.
  {
    pattern: new RegExp(String.raw`\b(${DELAY_PHRASES.join('|')})\b`, 'i'),
    category: 'delayed',
    label: 'delayed',
  },
  {
    pattern:
      /\b(?:mailbox|inbox|quota)\b.{0,40}\b(?:full|exceeded|over quota)\b|\bover ?quota\b|\b5\.2\.2\b|\b4\.2\.2\b/i,
    category: 'soft',
    label: 'mailbox full',
  },
  {
    pattern: /\b(?:message|mail) (?:size )?(?:too (?:big|large)|exceeds)\b|\b5\.3\.4\b/i,
    category: 'soft',
    label: 'too big',
  },
  {
    pattern: /\b(?:spam|blocked|blacklisted|blocklisted|listed at|policy rejection|reputation)\b|\b5\.7\.[01]\b/i,
    category: 'soft',
    label: 'blocked',
  },
  // Gmail: "The email account that you tried to reach does not exist."
  {
    pattern: /\bemail account that you tried to reach does not exist\b/i,
    category: 'hard',
    userUnknown: true,
    label: 'user unknown (Gmail)',
  },
  // Exchange / Office 365: "RESOLVER.ADR.RecipNotFound; not found", "Recipient not found by SMTP address lookup"
  {
    pattern: /\bRESOLVER\.ADR\.RecipNotFound\b|\brecipient not found by SMTP address lookup\b|\b550 5\.1\.10\b/i,
    category: 'hard',
    userUnknown: true,
    label: 'user unknown (Exchange)',
  },
  {
    pattern: new RegExp(USER_UNKNOWN.join('|'), 'i'),
    category: 'hard',
    userUnknown: true,
    label: 'user unknown',
  },
  {
    pattern: /\b(?:host|domain)(?: name)? (?:not found|unknown)\b|\bno mx\b|\b5\.1\.2\b|\b5\.4\.4\b/i,
    category: 'hard',
    label: 'bad domain',
  },
  // Last: any enhanced status code, or a bare reply code at the start of a line that says it failed
  // (a bare "450 " inside a sentence is too often a phone number or an amount).
  {
    pattern: /\b5\.\d{1,3}\.\d{1,3}\b|^5\d\d[ -].*\b(?:rejected|denied|refused|not|unavailable|failed)\b/im,
    category: 'hard',
    label: 'permanent failure',
  },
  {
    pattern: /\b4\.\d{1,3}\.\d{1,3}\b|^4\d\d[ -].*\b(?:try again|later|temporar|deferred|unavailable)/im,
    category: 'soft',
    label: 'temporary failure',
  },
];
