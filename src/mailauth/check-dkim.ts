/** Checks one DKIM selector's TXT record against the key Postbode signs with. */
import type { CheckProblem, RecordCheck } from './check-types.js';
import { unknownCheck } from './check-types.js';
import { lookupTxt, type DnsLookup } from './dns-lookup.js';
import type { DkimAlgorithm } from './keys.js';
import { dkimName, dkimValue, txtChunks } from './records.js';
import { compact, hasPastedQuotes, parseTagList, withoutQuotes } from './tag-list.js';

export interface SelectorKey {
  readonly selector: string;
  readonly publicKeyDnsValue: string;
  readonly algorithm: DkimAlgorithm;
}

/** What the records hold, judged without DNS; `found` is filled in by the caller. */
interface Judgement {
  readonly status: 'ok' | 'wrong';
  readonly problem: CheckProblem | null;
  readonly advice: string;
}

export async function checkDkim(dns: DnsLookup, domain: string, key: SelectorKey): Promise<RecordCheck> {
  const name = dkimName(domain, key.selector);
  const expected = dkimValue(key);
  const base = { record: 'dkim' as const, name, selector: key.selector, expected };
  const outcome = await lookupTxt(dns, name);
  if (outcome.kind === 'failed')
    return { ...unknownCheck('dkim', name, expected, outcome.code, 'DKIM record'), selector: key.selector };
  if (outcome.kind === 'missing') return { ...base, ...(await missingDkim(dns, domain, key, name, expected)) };
  const values = outcome.records.map((strings) => strings.join(''));
  return { ...base, found: values.join(' | '), ...judgeDkim(values, key, name, expected) };
}

/** Not at the right name: maybe the provider appended the domain a second time. */
async function missingDkim(dns: DnsLookup, domain: string, key: SelectorKey, name: string, expected: string) {
  const doubled = `${name}.${domain}`;
  const probe = await lookupTxt(dns, doubled);
  if (probe.kind === 'found') {
    return {
      status: 'wrong' as const,
      problem: 'domain-appended-twice' as const,
      found: probe.records.map((s) => s.join('')).join(' | '),
      advice:
        `Your DNS provider added your domain name a second time: the DKIM record is at ${doubled} ` +
        `instead of ${name}. Edit the record and enter only "${key.selector}._domainkey" as its name; ` +
        `the provider adds ".${domain}" by itself.`,
    };
  }
  return {
    status: 'missing' as const,
    problem: 'not-found' as const,
    found: null,
    advice:
      `There is no DKIM record yet. Add a TXT record with the name "${key.selector}._domainkey" ` +
      `(some providers want the full name ${name}) and this value: ${expected}`,
  };
}

/** Pure: judges the TXT values found at the selector (each record's strings already joined). */
export function judgeDkim(values: readonly string[], key: SelectorKey, name: string, expected: string): Judgement {
  const [only] = values;
  if (only !== undefined && values.length === 1) return judgeOne(only, key, name, expected);
  const matching = values.filter((v) => judgeOne(v, key, name, expected).status === 'ok');
  if (matching.length === 0 && isSplit(values, expected)) {
    const pieces = txtChunks(expected)
      .map((c) => `"${c}"`)
      .join(' ');
    return wrong(
      'split-record',
      `The DKIM key is split over ${values.length} separate TXT records, so receivers ` +
        `see only a part of it. Delete them and create one TXT record with the whole value: ${expected} ` +
        `(if your provider limits the length, enter it as quoted pieces within one record: ${pieces}).`,
    );
  }
  return wrong(
    'several-records',
    `There are ${values.length} TXT records at ${name}; there must be exactly one. ` +
      `Keep one record with this value and delete the others: ${expected}`,
  );
}

function judgeOne(value: string, key: SelectorKey, name: string, expected: string): Judgement {
  if (hasPastedQuotes(value)) {
    const fixed = judgeOne(withoutQuotes(value), key, name, expected).status === 'ok';
    return wrong(
      'quoted',
      `The DKIM record contains quote marks or backslashes that were pasted in with the value` +
        `${fixed ? '' : ' (and the key does not match either)'}. Replace the value with exactly: ${expected}`,
    );
  }
  const tags = parseTagList(value);
  const p = tags.get('p');
  const version = tags.get('v');
  if (p === undefined || (version !== undefined && version !== 'DKIM1')) {
    return wrong(
      'malformed',
      `The record at ${name} is not a valid DKIM key record. Replace its value with: ${expected}`,
    );
  }
  if (compact(p) === '') {
    return wrong(
      'revoked',
      `The DKIM record at ${name} has an empty key, which means "withdrawn". Replace its value with: ${expected}`,
    );
  }
  if ((tags.get('k') ?? 'rsa').toLowerCase() !== key.algorithm || compact(p) !== key.publicKeyDnsValue) {
    return wrong(
      'key-mismatch',
      `The DKIM record at ${name} holds a different key than the one Postbode signs with. ` +
        `Replace its value with: ${expected}`,
    );
  }
  return { status: 'ok', problem: null, advice: 'The DKIM record is correct.' };
}

/** Several records that are each a piece of the expected value: one record cut into parts. */
function isSplit(values: readonly string[], expected: string): boolean {
  const whole = compact(expected);
  return values.every((v) => compact(withoutQuotes(v)) !== '' && whole.includes(compact(withoutQuotes(v))));
}

function wrong(problem: CheckProblem, advice: string): Judgement {
  return { status: 'wrong', problem, advice };
}
