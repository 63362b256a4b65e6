/** Checks `_dmarc.<domain>`. DMARC is reported and advised, never required for activation. */
import type { CheckProblem, DmarcAlignment, RecordCheck } from './check-types.js';
import { unknownCheck } from './check-types.js';
import { lookupTxt, type DnsLookup } from './dns-lookup.js';
import { dmarcName, dmarcRecord, isDmarcRecord } from './records.js';
import { hasPastedQuotes, parseTagList, withoutQuotes } from './tag-list.js';

export interface DmarcCheck {
  readonly check: RecordCheck;
  /** Tags of the one valid record, or null. */
  readonly tags: ReadonlyMap<string, string> | null;
}

export async function checkDmarc(dns: DnsLookup, domain: string, reportAddress?: string): Promise<DmarcCheck> {
  const name = dmarcName(domain);
  const fallback = reportAddress === undefined ? 'v=DMARC1; p=none' : dmarcRecord([], reportAddress).value;
  const outcome = await lookupTxt(dns, name);
  if (outcome.kind === 'failed')
    return { check: unknownCheck('dmarc', name, fallback, outcome.code, 'DMARC record'), tags: null };
  const values = outcome.kind === 'found' ? outcome.records.map((s) => s.join('')) : [];
  const dmarc = values.filter(isDmarcRecord);
  const [only] = dmarc;
  const base = { record: 'dmarc' as const, name };
  if (only === undefined)
    return {
      check: { ...base, expected: fallback, ...(await missingDmarc(dns, domain, values, fallback)) },
      tags: null,
    };
  if (dmarc.length > 1) {
    return {
      check: {
        ...base,
        expected: only,
        ...wrong(
          'several-records',
          dmarc.join(' | '),
          `There are ${dmarc.length} DMARC ` +
            `records at ${name}; receivers ignore DMARC when there is more than one. Keep one and delete the others.`,
        ),
      },
      tags: null,
    };
  }
  return {
    check: {
      ...base,
      expected: only,
      status: 'ok',
      problem: null,
      found: only,
      advice: 'The DMARC record is in place.',
    },
    tags: parseTagList(only),
  };
}

async function missingDmarc(dns: DnsLookup, domain: string, values: readonly string[], proposed: string) {
  const quoted = values.find((v) => hasPastedQuotes(v) && isDmarcRecord(withoutQuotes(v)));
  if (quoted !== undefined) {
    return wrong(
      'quoted',
      quoted,
      'Your DMARC record contains quote marks or backslashes that were pasted in with the ' +
        `value, so receivers do not recognise it. Replace the value with exactly: ${withoutQuotes(quoted)}`,
    );
  }
  const doubled = `${dmarcName(domain)}.${domain}`;
  const probe = await lookupTxt(dns, doubled);
  const misplaced = probe.kind === 'found' ? probe.records.map((s) => s.join('')).find(isDmarcRecord) : undefined;
  if (misplaced !== undefined) {
    return wrong(
      'domain-appended-twice',
      misplaced,
      `Your DNS provider added your domain name a second time: the DMARC ` +
        `record is at ${doubled} instead of ${dmarcName(domain)}. Edit the record and enter only "_dmarc" as its name.`,
    );
  }
  return {
    status: 'missing' as const,
    problem: 'not-found' as const,
    found: null,
    advice:
      'There is no DMARC record. It is not needed to start sending, but recommended: add a TXT record with the name ' +
      `"_dmarc" and this value: ${proposed}`,
  };
}

/**
 * Whether DMARC will pass for mail we send as `domain`. Our DKIM signature has d=<domain>,
 * aligned in relaxed and strict mode. SPF is checked for the envelope sender: aligned only
 * when bounces go to a host under the domain (the return-path CNAME), and in strict mode
 * (aspf=s) only when that host is the domain itself.
 */
export function dmarcAlignment(
  domain: string,
  tags: ReadonlyMap<string, string> | null,
  dkimOk: boolean,
  returnPath: { host: string; ok: boolean } | null,
): DmarcAlignment {
  const policyTag = tags?.get('p')?.toLowerCase();
  const policy = policyTag === 'none' || policyTag === 'quarantine' || policyTag === 'reject' ? policyTag : null;
  const strictSpf = tags?.get('aspf')?.toLowerCase() === 's';
  const host = returnPath?.host.toLowerCase().replace(/\.$/, '');
  const under = host !== undefined && (host === domain || (!strictSpf && host.endsWith(`.${domain}`)));
  const spf = returnPath?.ok === true && under;
  return { policy, dkim: dkimOk, spf, aligned: dkimOk || spf };
}

function wrong(problem: CheckProblem, found: string, advice: string) {
  return { status: 'wrong' as const, problem, found, advice };
}
