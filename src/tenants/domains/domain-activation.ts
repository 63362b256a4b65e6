/**
 * "Check and activate" as a pure state change: given a domain and the result of its DNS
 * check, the next domain record. Kept apart from DNS and storage so every case is a unit test.
 */
import type { DomainCheck, RecordCheck } from '../../mailauth/check-types.js';
import type { BounceHost, DomainRecord, DomainStatus, StoredSelector } from './domain-types.js';

export interface ActivationOptions {
  readonly now: number;
  /** How long a replaced key stays listed (retiring) after its successor took over. */
  readonly graceMs: number;
}

function dkimOf(check: DomainCheck, selector: string): RecordCheck | undefined {
  return check.records.find((r) => r.record === 'dkim' && r.selector === selector);
}

/**
 * Pending keys whose records all verify take over signing; the keys they replace become
 * `retiring`, without their private key (nothing signs with it again). The first generation of a
 * new domain also needs SPF to permit us.
 */
function promote(
  selectors: readonly StoredSelector[],
  check: DomainCheck,
  opts: ActivationOptions,
  spfOk: boolean,
): StoredSelector[] {
  const pending = selectors.filter((s) => s.state === 'pending');
  const hasActive = selectors.some((s) => s.state === 'active');
  const ready =
    pending.length > 0 && pending.every((s) => dkimOf(check, s.selector)?.status === 'ok') && (hasActive || spfOk);
  if (!ready) return [...selectors];
  return selectors.map((s) => {
    if (s.state === 'pending') return { ...s, state: 'active' };
    if (s.state === 'active') {
      const { privateKeySealed: _deleted, ...publicPart } = s;
      return { ...publicPart, state: 'retiring', retireAfter: opts.now + opts.graceMs };
    }
    return s;
  });
}

/** The records that decide whether we may sign for the domain: SPF and the signing keys' DKIM. */
function decisive(check: DomainCheck, signing: readonly StoredSelector[]): RecordCheck[] {
  const spf = check.records.filter((r) => r.record === 'spf');
  return [...spf, ...signing.map((s) => dkimOf(check, s.selector) ?? missingCheck(s.selector))];
}

function missingCheck(selector: string): RecordCheck {
  return {
    record: 'dkim',
    name: selector,
    selector,
    status: 'missing',
    problem: 'not-found',
    found: null,
    expected: '',
    advice: 'The DKIM record was not checked.',
  };
}

export function applyCheck(record: DomainRecord, check: DomainCheck, opts: ActivationOptions): DomainRecord {
  const spfOk = check.records.some((r) => r.record === 'spf' && r.status === 'ok');
  const selectors = promote(record.selectors, check, opts, spfOk);
  const signing = selectors.filter((s) => s.state === 'active');
  const base = { ...record, selectors, lastCheck: { ...check, at: opts.now } };
  if (signing.length === 0) return { ...base, status: 'pending' };
  const records = decisive(check, signing);
  const bad = records.find((r) => r.status !== 'ok');
  // A DNS server that did not answer proves nothing: the domain keeps its status until it does.
  if (bad?.status === 'unknown') return base;
  const status: DomainStatus = bad === undefined ? 'active' : 'failing';
  const { failingReason: _old, ...rest } = base;
  return {
    ...rest,
    status,
    ...(status === 'active' && record.activatedAt === undefined ? { activatedAt: opts.now } : {}),
    ...(status === 'failing' && bad !== undefined ? { failingReason: `${bad.name}: ${bad.advice}` } : {}),
  };
}

/**
 * The bounce host after a check: verified while its CNAME points at the platform; an unanswered lookup keeps what was
 * known (like the domain's status). `offered`: the host and target to check now (null: the platform has none).
 */
export function bounceHostAfter(
  current: BounceHost | undefined,
  offered: Omit<BounceHost, 'verified'> | null,
  check: DomainCheck,
): BounceHost | undefined {
  if (offered === null) return undefined;
  const result = check.records.find((r) => r.record === 'return-path' && r.name === offered.name);
  const same = current?.name === offered.name && current.target === offered.target;
  const known = same ? current.verified : false;
  const verified = result === undefined || result.status === 'unknown' ? known : result.status === 'ok';
  return { ...offered, verified };
}
