import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { ReportRejected } from './report-error.js';
import type { ReportLimits } from './report-limits.js';
import type { ParsedReport } from './report-records.js';
import type { ReportStore } from './report-store.js';
import { readReports } from './read-reports.js';

/** Labels a parent domain is looked up through at most (a report for a.b.tenant.example). */
const MAX_PARENT_STEPS = 4;

export interface ReportIntakeDeps {
  readonly store: ReportStore;
  /** Who proved the domain (a tenant id or the platform's owner), else undefined: tenants/domains' directory. */
  readonly ownerOf: (domain: string) => string | undefined;
  readonly limits: ReportLimits;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** Takes one report mail from the MX: throws only for what is worth a retry (the store failed). */
export type ReportIntake = (raw: Buffer, log: Readonly<Record<string, unknown>>) => Promise<void>;

/**
 * Reads the reports of a mail and stores each under the owner of its domain. A report that
 * cannot be read, or whose domain nobody here proved, is counted and dropped: answering the
 * reporter is pointless (it sent to a no-reply path) and retrying would give the same answer.
 */
export function createReportIntake(deps: ReportIntakeDeps): ReportIntake {
  const count = (outcome: string): void => deps.metrics.mx?.('report', outcome);
  return async (raw, log) => {
    let reports: ParsedReport[];
    try {
      reports = await readReports(raw, deps.limits);
    } catch (err) {
      if (!(err instanceof ReportRejected)) throw err;
      count(err.problem);
      deps.logger.info({ ...log, problem: err.problem, reason: err.message }, 'report dropped: not readable');
      return;
    }
    for (const report of reports) {
      const owned = ownedDomain(deps.ownerOf, report.domain);
      if (owned === undefined) {
        count('unowned');
        deps.logger.info(
          { ...log, domain: report.domain, kind: report.kind },
          'report dropped: nobody owns the domain',
        );
        continue;
      }
      // Under the domain the owner proved, where its page looks (a report for a subdomain counts for the parent).
      const stored = await deps.store.add(owned.owner, { ...report, domain: owned.domain }, deps.clock());
      count(stored ? report.kind : 'duplicate');
      const what = { ...log, domain: report.domain, kind: report.kind, org: report.org, reportId: report.reportId };
      deps.logger.info(what, stored ? 'report stored' : 'report dropped: stored already');
    }
  };
}

/** The domain itself if someone owns it, else its nearest owned parent (a subdomain's mail is the parent's). */
function ownedDomain(
  ownerOf: ReportIntakeDeps['ownerOf'],
  domain: string,
): { owner: string; domain: string } | undefined {
  const labels = domain.split('.');
  for (let i = 0; i <= MAX_PARENT_STEPS && labels.length - i >= 2; i += 1) {
    const name = labels.slice(i).join('.');
    const owner = ownerOf(name);
    if (owner !== undefined) return { owner, domain: name };
  }
  return undefined;
}
