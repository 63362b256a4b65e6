/** Checks the SPF record at the domain: one record, permits the platform, at most 10 lookups. */
import type { CheckProblem, RecordCheck } from './check-types.js';
import { unknownCheck } from './check-types.js';
import { lookupTxt, type DnsLookup } from './dns-lookup.js';
import { spfRecord } from './records.js';
import { walkSpf, SPF_LOOKUP_LIMIT, type SpfWalk } from './spf-walk.js';
import { isSpfRecord } from './spf-terms.js';
import { hasPastedQuotes, withoutQuotes } from './tag-list.js';

export interface SpfCheckInput {
  readonly domain: string;
  readonly platformInclude: string;
  readonly platformSpfIps?: readonly string[];
}

export interface SpfCheck {
  readonly check: RecordCheck;
  /** Lookups counted, or null when the record could not be read. */
  readonly lookups: number | null;
}

export async function checkSpf(dns: DnsLookup, input: SpfCheckInput): Promise<SpfCheck> {
  const { domain, platformInclude } = input;
  const outcome = await lookupTxt(dns, domain);
  const fallback = `v=spf1 include:${platformInclude} ~all`;
  if (outcome.kind === 'failed')
    return { check: unknownCheck('spf', domain, fallback, outcome.code, 'SPF record'), lookups: null };
  const values = outcome.kind === 'found' ? outcome.records.map((s) => s.join('')) : [];
  const proposal = spfRecord(values, platformInclude);
  const base = { record: 'spf' as const, name: domain, expected: proposal.value };
  const spf = proposal.current;
  const [only] = spf;
  if (only === undefined)
    return { check: { ...base, ...(await missingSpf(dns, domain, values, proposal.value)) }, lookups: null };
  if (spf.length > 1) {
    return {
      check: {
        ...base,
        ...wrong(
          'two-spf-records',
          spf.join(' | '),
          `You have ${spf.length} SPF records (TXT records starting with v=spf1). ` +
            'Receivers then treat SPF as broken for all your mail. ' +
            `Delete all of them and create one TXT record with: ${proposal.value}`,
        ),
      },
      lookups: null,
    };
  }
  const walk = await walkSpf(dns, only, platformInclude, input.platformSpfIps ?? []);
  return { check: { ...base, ...judgeWalk(walk, only, platformInclude, proposal.value) }, lookups: walk.lookups };
}

function judgeWalk(walk: SpfWalk, found: string, include: string, proposed: string) {
  if (walk.lookups > SPF_LOOKUP_LIMIT) {
    return wrong(
      'too-many-lookups',
      found,
      `Your SPF record needs more than ${SPF_LOOKUP_LIMIT} DNS lookups (counting the ` +
        `include:, a, mx, ptr, exists and redirect= entries, also inside the included records). Receivers stop at ` +
        `${SPF_LOOKUP_LIMIT} and treat SPF as failed. Remove includes of services you no longer use.`,
    );
  }
  if (walk.failedCode !== null) {
    return {
      status: 'unknown' as const,
      problem: 'lookup-failed' as const,
      found,
      advice:
        'A domain included by your SPF record could not be checked ' +
        `because a DNS server did not answer properly (${walk.failedCode}). ` +
        'This is usually temporary: try again in a few minutes.',
    };
  }
  const [broken] = walk.brokenIncludes;
  if (broken !== undefined) {
    return wrong(
      'broken-include',
      found,
      `Your SPF record includes ${broken}, which has no valid SPF record; receivers ` +
        `may treat your SPF as broken. Remove include:${broken} or correct it.`,
    );
  }
  if (!walk.permitsPlatform) {
    const tight =
      walk.lookups + 1 > SPF_LOOKUP_LIMIT
        ? ` Note: that makes more than ${SPF_LOOKUP_LIMIT} DNS lookups; remove an include you no longer use.`
        : '';
    return wrong(
      'include-missing',
      found,
      `Your SPF record does not include include:${include}; replace it with: ${proposed}${tight}`,
    );
  }
  return { status: 'ok' as const, problem: null, found, advice: 'The SPF record is correct and permits Postbode.' };
}

/** No SPF at the domain: quoted by mistake, appended twice, or simply not there. */
async function missingSpf(dns: DnsLookup, domain: string, values: readonly string[], proposed: string) {
  const quoted = values.find((v) => hasPastedQuotes(v) && isSpfRecord(withoutQuotes(v)));
  if (quoted !== undefined) {
    return wrong(
      'quoted',
      quoted,
      `Your SPF record contains quote marks or backslashes that were pasted in with the value, ` +
        `so receivers do not recognise it. Replace the value with exactly: ${proposed}`,
    );
  }
  const doubled = `${domain}.${domain}`;
  const probe = await lookupTxt(dns, doubled);
  const misplaced = probe.kind === 'found' ? probe.records.map((s) => s.join('')).find(isSpfRecord) : undefined;
  if (misplaced !== undefined) {
    return wrong(
      'domain-appended-twice',
      misplaced,
      `Your DNS provider added your domain name a second time: the SPF record is at ${doubled} instead of ${domain}. ` +
        'Edit the record and leave its name empty (or "@"). ' +
        `The value should be: ${proposed}`,
    );
  }
  return {
    status: 'missing' as const,
    problem: 'not-found' as const,
    found: null,
    advice:
      'There is no SPF record yet. ' + `Add a TXT record at ${domain} (name empty or "@") with this value: ${proposed}`,
  };
}

function wrong(problem: CheckProblem, found: string, advice: string) {
  return { status: 'wrong' as const, problem, found, advice };
}
