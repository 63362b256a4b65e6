import type { Clock } from '../../core/clock.js';
import { newQueueId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { MessageQueue } from '../../core/types.js';
import type { TenantDocuments } from '../../store/tenant-documents.js';
import { digestMail, digestSubject } from './digest-mail.js';
import { PLATFORM_REPORTS, type ReportStore } from './report-store.js';
import { summarise, type ReportSummary } from './report-summary.js';
import { reportLanguage } from './report-texts.js';

export const WEEK_MS = 7 * 24 * 3600_000;
/** How often the digest looks whose week is over: a digest goes at most this late. */
export const DIGEST_CHECK_MS = 3600_000;

export interface DigestDeps {
  readonly store: ReportStore;
  /** When each owner's last digest went (survives a restart, so a restart never sends one twice). */
  readonly sent: TenantDocuments<number>;
  readonly queue: Pick<MessageQueue, 'enqueue'>;
  /** The tenant's confirmed reply address, else undefined: no digest (we mail only addresses the tenant proved). */
  readonly recipientOf: (tenantId: string) => Promise<string | undefined>;
  /** The tenant's language (its content settings' default), for the digest's words. */
  readonly languageOf: (tenantId: string) => string | undefined;
  readonly from: string;
  readonly hostname: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onQueued: () => void;
}

export interface ReportDigest {
  /** One round: every tenant whose week since its last digest is over and whose domains had reports. */
  run(): Promise<number>;
  /** Runs a round every DIGEST_CHECK_MS until stopped. */
  start(): void;
  stop(): Promise<void>;
}

export function createReportDigest(deps: DigestDeps): ReportDigest {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> = Promise.resolve(0);
  const run = async (): Promise<number> => {
    let mailed = 0;
    for (const owner of deps.store.owners()) {
      if (owner === PLATFORM_REPORTS) continue; // the operator reads the platform's on the admin page
      try {
        if (await digestFor(deps, owner)) mailed += 1;
      } catch (err) {
        deps.logger.error({ err, tenantId: owner }, 'report digest failed; tried again at the next round');
      }
    }
    return mailed;
  };
  return {
    run: () => {
      running = running.then(run, run);
      return running;
    },
    start() {
      timer ??= setInterval(() => void (running = running.then(run, run)), DIGEST_CHECK_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running.catch(() => 0);
    },
  };
}

/** Mails one tenant's digest when its week is over and something arrived; true when one was queued. */
async function digestFor(deps: DigestDeps, tenantId: string): Promise<boolean> {
  const now = deps.clock();
  const last = deps.sent.get(tenantId);
  if (last !== undefined && now - last < WEEK_MS) return false;
  const to = await deps.recipientOf(tenantId);
  if (to === undefined) return false;
  // What arrived since the last digest (not in it already), at most a week back.
  const since = Math.max(now - WEEK_MS, last === undefined ? 0 : last + 1);
  const summaries = await weekSummaries(deps.store, tenantId, since);
  if (summaries.length === 0) return false;
  const id = newQueueId(now);
  const language = reportLanguage(deps.languageOf(tenantId));
  const raw = digestMail({ id, to, from: deps.from, hostname: deps.hostname, language, summaries, now });
  // kind dsn: a message of the mail system (null sender, never answered by another DSN), like the reply confirmation.
  await deps.queue.enqueue(
    {
      id,
      tenantId,
      kind: 'dsn',
      envelope: { from: '', to: [to] },
      receivedAt: now,
      client: { address: '127.0.0.1', helo: deps.hostname },
      messageId: `<${id.toLowerCase()}.report-digest@${deps.hostname}>`,
      subject: digestSubject(language),
    },
    raw,
  );
  await deps.sent.put(tenantId, now);
  deps.logger.info({ tenantId, queueId: id, domains: summaries.length }, 'report digest mailed');
  deps.onQueued();
  return true;
}

async function weekSummaries(store: ReportStore, owner: string, since: number): Promise<ReportSummary[]> {
  const domains = Object.entries(store.domainsOf(owner))
    .filter(([, lastAt]) => lastAt >= since)
    .map(([domain]) => domain)
    .sort();
  const summaries: ReportSummary[] = [];
  for (const domain of domains) summaries.push(summarise(domain, since, await store.list(owner, domain, since)));
  return summaries;
}
