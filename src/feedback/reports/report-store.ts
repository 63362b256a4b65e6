import { openAppendLog } from '../../store/append-log.js';
import { openTenantDocuments } from '../../store/tenant-documents.js';
import type { Storage } from '../../store/storage.js';
import { PLATFORM_OWNER } from '../../tenants/domains/domain-types.js';
import type { ParsedReport, StoredReport } from './report-records.js';

/** The owner of the platform's own domains' reports: the domain directory's name for the platform. */
export const PLATFORM_REPORTS = PLATFORM_OWNER;

/** Most reports one domain's view reads back: bounded, whatever arrived. */
export const REPORTS_READ_MAX = 2000;

/**
 * Received reports, per owner and domain: an append log (store/append-log.ts, so the shared
 * engine plugs in behind the same contract) scoped `<owner>/<domain>`, so that one domain's
 * reports are a range read and another owner's are never in it. Pruned by age.
 */
export interface ReportStore {
  /** Stores the report; undefined when the domain's recent reports hold it already (a resend, or an MX retry). */
  add(owner: string, report: ParsedReport, at: number): Promise<StoredReport | undefined>;
  /** The domain's reports that arrived at or after `since`, newest first, at most REPORTS_READ_MAX. */
  list(owner: string, domain: string, since: number): Promise<StoredReport[]>;
  /** The owners that have reports (the digest's round), and per owner its domains with their last report's time. */
  owners(): string[];
  domainsOf(owner: string): Readonly<Record<string, number>>;
  prune(olderThan: number): Promise<number>;
  close(): Promise<void>;
}

/** Domains an owner keeps reports for, at most: a report for one more is still stored, not indexed. */
const MAX_INDEXED_DOMAINS = 200;
/** How many of the domain's newest reports a new one is compared with: resends come within days, not months. */
const DUPLICATE_WINDOW = 100;

function sameReport(a: ParsedReport, b: ParsedReport): boolean {
  return a.kind === b.kind && a.reportId !== '' && a.reportId === b.reportId && a.org === b.org;
}

export function reportScope(owner: string, domain: string): string {
  return `${owner}/${domain.toLowerCase()}`;
}

export function openReportStore(storage: Storage): ReportStore {
  const log = openAppendLog<StoredReport>(storage, 'reports', {
    entries: 'entries',
    byScope: 'entries-by-domain',
    scopeOf: (entry) => reportScope(entry.owner, entry.domain),
  });
  // Only the MX processor writes, one message at a time: the index's read-modify-write does not race.
  const index = openTenantDocuments<Record<string, number>>(storage, 'reports', 'domains-by-owner');
  return {
    async add(owner, report, at) {
      const recent = await log.read({ limit: DUPLICATE_WINDOW, scope: reportScope(owner, report.domain) });
      if (recent.entries.some((e) => sameReport(e, report))) return undefined;
      const stored = await log.append({ ...report, owner, at } as Omit<StoredReport, 'id'>);
      const domains = index.get(owner) ?? {};
      if (Object.hasOwn(domains, report.domain) || Object.keys(domains).length < MAX_INDEXED_DOMAINS)
        await index.put(owner, { ...domains, [report.domain]: at });
      return stored;
    },
    owners: () => [...index.tenantIds()],
    domainsOf: (owner) => index.get(owner) ?? {},
    async list(owner, domain, since) {
      const found: StoredReport[] = [];
      let before: string | undefined;
      for (let page = 0; page < REPORTS_READ_MAX / 500; page += 1) {
        const read = await log.read({ limit: 500, scope: reportScope(owner, domain), ...(before ? { before } : {}) });
        const fresh = read.entries.filter((e) => e.at >= since);
        found.push(...fresh);
        if (fresh.length < read.entries.length || read.next === undefined) break;
        before = read.next;
      }
      return found;
    },
    prune: (olderThan) => log.prune(olderThan),
    async close() {
      await Promise.all([log.close(), index.close()]);
    },
  };
}
