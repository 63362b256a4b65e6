/**
 * A domain as the API shows it: status, the records to publish in copy-paste form, the last
 * check per record in plain words. Selectors and public-key fingerprints only: a private key
 * (even sealed) never leaves the service.
 */
import { createHash } from 'node:crypto';
import type { RecordCheck } from '../../mailauth/check-types.js';
import { dkimRecord, returnPathRecord, type DnsRecord, type TxtProposal } from '../../mailauth/records.js';
import type { BounceHost, DomainRecord, StoredSelector } from './domain-types.js';

export interface SelectorView {
  readonly selector: string;
  readonly algorithm: string;
  readonly state: string;
  /** First 16 hex digits of sha256 over the public key: tells keys apart, reveals nothing. */
  readonly fingerprint: string;
  readonly createdAt: number;
  readonly retireAfter?: number;
}

export interface RecordToPublish extends DnsRecord {
  /** What to do: publish (new), keep, or remove (a retired key, after `removeAfter`). */
  readonly action: 'create' | 'replace' | 'keep' | 'merge' | 'remove';
  readonly purpose: string;
  readonly removeAfter?: number;
  readonly problem?: string;
}

export interface DomainView {
  readonly domain: string;
  readonly status: string;
  readonly keySet: string;
  readonly createdAt: number;
  readonly activatedAt?: number;
  readonly failingReason?: string;
  /** The bounce host offered under the domain; once verified, own-address mail uses it as envelope sender. */
  readonly bounceHost?: BounceHost;
  readonly selectors: readonly SelectorView[];
  readonly records: readonly RecordToPublish[];
  readonly lastCheck?: {
    readonly at: number;
    readonly active: boolean;
    readonly records: readonly RecordCheck[];
    readonly dmarcAligned: unknown;
    readonly spfLookups: number | null;
  };
}

export function keyFingerprint(publicKeyDnsValue: string): string {
  return createHash('sha256').update(publicKeyDnsValue).digest('hex').slice(0, 16);
}

function selectorView(s: StoredSelector): SelectorView {
  return {
    selector: s.selector,
    algorithm: s.algorithm,
    state: s.state,
    fingerprint: keyFingerprint(s.publicKeyDnsValue),
    createdAt: s.createdAt,
    ...(s.retireAfter === undefined ? {} : { retireAfter: s.retireAfter }),
  };
}

function txtRecord(name: string, p: TxtProposal, purpose: string): RecordToPublish {
  return {
    type: 'TXT',
    name,
    value: p.value,
    valueChunks: p.valueChunks,
    action: p.action,
    purpose,
    ...(p.problem === null ? {} : { problem: p.problem }),
  };
}

function bounceRecord(host: BounceHost): RecordToPublish {
  return {
    ...returnPathRecord(host.name, host.target),
    action: host.verified ? 'keep' : 'create',
    purpose: 'Bounce address: SPF then passes for your own domain (DMARC alignment); bounces still come to Postbode',
  };
}

export function recordsToPublish(record: DomainRecord): RecordToPublish[] {
  const dkim = record.selectors.map(
    (s): RecordToPublish => ({
      ...dkimRecord(record.domain, s.selector, s),
      action: s.state === 'retiring' ? 'remove' : s.state === 'active' ? 'keep' : 'create',
      purpose:
        s.state === 'retiring'
          ? 'old DKIM key: remove this record after the date shown'
          : `DKIM key ${s.selector} (${s.algorithm})`,
      ...(s.retireAfter === undefined ? {} : { removeAfter: s.retireAfter }),
    }),
  );
  return [
    ...dkim,
    ...(record.spf ? [txtRecord(record.domain, record.spf, 'SPF: allows Postbode to send for the domain')] : []),
    ...(record.dmarc
      ? [
          txtRecord(
            `_dmarc.${record.domain}`,
            record.dmarc,
            'DMARC: tells receivers what to do with mail that fails the checks',
          ),
        ]
      : []),
    ...(record.bounceHost ? [bounceRecord(record.bounceHost)] : []),
  ];
}

export function domainView(record: DomainRecord): DomainView {
  const check = record.lastCheck;
  return {
    domain: record.domain,
    status: record.status,
    keySet: record.keySet,
    createdAt: record.createdAt,
    ...(record.activatedAt === undefined ? {} : { activatedAt: record.activatedAt }),
    ...(record.failingReason === undefined ? {} : { failingReason: record.failingReason }),
    ...(record.bounceHost === undefined ? {} : { bounceHost: record.bounceHost }),
    selectors: record.selectors.map(selectorView),
    records: recordsToPublish(record),
    ...(check
      ? {
          lastCheck: {
            at: check.at,
            active: check.active,
            records: check.records,
            dmarcAligned: check.dmarcAligned,
            spfLookups: check.spfLookups,
          },
        }
      : {}),
  };
}
