/** Checks the optional bounce host: a CNAME from a host under the tenant's domain to the platform. */
import type { RecordCheck } from './check-types.js';
import { unknownCheck } from './check-types.js';
import { lookupCname, type DnsLookup } from './dns-lookup.js';
import { normaliseDomain } from './spf-terms.js';

export async function checkReturnPath(dns: DnsLookup, host: string, target: string): Promise<RecordCheck> {
  const base = { record: 'return-path' as const, name: host, expected: target };
  const outcome = await lookupCname(dns, host);
  if (outcome.kind === 'failed')
    return unknownCheck('return-path', host, target, outcome.code, 'bounce address record (CNAME)');
  if (outcome.kind === 'missing') {
    return {
      ...base,
      status: 'missing',
      problem: 'not-found',
      found: null,
      advice:
        `There is no CNAME record at ${host}. This one is optional: it lets bounces come back through Postbode and ` +
        `helps DMARC. To add it, create a CNAME record with the name ${host} pointing to ${target}`,
    };
  }
  const found = outcome.records.join(', ');
  if (outcome.records.some((r) => normaliseDomain(r) === normaliseDomain(target))) {
    return { ...base, status: 'ok', problem: null, found, advice: 'The bounce address record is correct.' };
  }
  return {
    ...base,
    status: 'wrong',
    problem: 'wrong-target',
    found,
    advice: `The CNAME record at ${host} points to ${found}; change it to point to ${target}`,
  };
}
