import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { MessageQueue } from '../../core/types.js';
import { startRetentionSweeper } from '../../queue/retention.js';
import type { Storage } from '../../store/storage.js';
import { openTenantDocuments } from '../../store/tenant-documents.js';
import { createReportDigest, type DigestDeps } from './report-digest.js';
import { createReportIntake, type ReportIntake } from './report-intake.js';
import { REPORT_LIMITS } from './report-limits.js';
import { openReportStore } from './report-store.js';
import { summarise, type ReportSummary } from './report-summary.js';

/** Reports are kept this long: a quarter gives the weekly digest and the trend on the page enough to show. */
export const REPORT_RETENTION_MS = 92 * 24 * 3600_000;
/** What the domain page shows by default: the last 30 days. */
export const REPORT_WINDOW_MS = 30 * 24 * 3600_000;

/** What the API reads: one owner's domain, never another owner's (the store's scope is owner and domain). */
export interface ReportReader {
  summary(owner: string, domain: string, since: number): Promise<ReportSummary>;
  /** The owner's domains that have reports, with the time of the last one. */
  domains(owner: string): Readonly<Record<string, number>>;
}

export interface Reports {
  readonly intake: ReportIntake;
  readonly reader: ReportReader;
  /** The weekly digest's round (tests drive it with their clock). */
  runDigest(): Promise<number>;
  start(): void;
  close(): Promise<void>;
}

export type ReportsOptions = Omit<DigestDeps, 'store' | 'sent'> & {
  readonly storage: Storage;
  readonly ownerOf: (domain: string) => string | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly queue: Pick<MessageQueue, 'enqueue'>;
};

/** DMARC aggregate and TLS-RPT report intake (`reports/…` in the storage), its reader and weekly digest. */
export function openReports(opts: ReportsOptions): Reports {
  const store = openReportStore(opts.storage);
  const sent = openTenantDocuments<number>(opts.storage, 'reports', 'digests');
  const { storage: _storage, ownerOf, metrics, ...digestDeps } = opts;
  const digest = createReportDigest({ ...digestDeps, store, sent });
  let sweeper: ReturnType<typeof startRetentionSweeper> | undefined;
  return {
    intake: createReportIntake({
      store,
      ownerOf,
      limits: REPORT_LIMITS,
      metrics,
      logger: opts.logger,
      clock: opts.clock,
    }),
    reader: {
      summary: async (owner, domain, since) => summarise(domain, since, await store.list(owner, domain, since)),
      domains: (owner) => store.domainsOf(owner),
    },
    runDigest: () => digest.run(),
    start() {
      digest.start();
      sweeper ??= startRetentionSweeper(
        { purgeCompleted: (olderThan) => store.prune(olderThan) },
        { retentionMs: REPORT_RETENTION_MS, clock: opts.clock, logger: opts.logger, what: 'DMARC and TLS reports' },
      );
    },
    async close() {
      await Promise.all([digest.stop(), sweeper?.stop()]);
      await Promise.all([store.close(), sent.close()]);
    },
  };
}
