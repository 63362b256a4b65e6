import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../core/logger.js';
import type { DeliveryResult, Envelope, Route } from '../../../core/types.js';
import { reportJson, ruaMailboxes } from './report-json.js';
import { reportMail } from './report-mail.js';
import type { TlsOutcomes } from './tls-outcomes.js';

export interface TlsReporterOptions {
  readonly outcomes: TlsOutcomes;
  readonly resolveTxt: (name: string) => Promise<string[][]>;
  /** Sends one report to one mailbox (direct delivery to the report address's domain). */
  readonly send: (envelope: Envelope, raw: Buffer, route: Route) => Promise<DeliveryResult>;
  /** Envelope sender, From and contact-info of the reports. */
  readonly from: string;
  readonly organization: string;
  readonly hostname: string;
  readonly logger: Logger;
  readonly clock?: () => number;
  /** Signs the report before it leaves (DKIM, RFC 8460 5.3), when the platform has a key. */
  readonly prepare?: (raw: Buffer) => Promise<Buffer>;
}

/** What one cycle sent: per policy domain, the addresses and each one's outcome. */
export interface ReportSent {
  readonly domain: string;
  readonly to: string;
  readonly outcome: string;
}

export interface TlsReporter {
  /** Sends the reports of the period since the last cycle, and starts a new period. */
  runCycle(): Promise<ReportSent[]>;
  /** Runs a cycle every `intervalMs` (a day) until `stop`. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

/** Domains reported at once: a cycle's lookups and sends go in bounded batches. */
const BATCH = 10;

/**
 * TLS-RPT (RFC 8460) from the platform: once a day, for every recipient domain with TLS
 * outcomes whose `_smtp._tls` record names mailto: addresses, one gzipped JSON report per
 * address. Reports are sent once, without the queue: a report that cannot be delivered is
 * logged and dropped, as the next day's report follows anyway. https: rua are not sent to.
 */
export function createTlsReporter(opts: TlsReporterOptions): TlsReporter {
  const clock = opts.clock ?? Date.now;
  let periodStart = clock();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReportSent[]> | undefined;

  async function reportDomain(domain: string, policies: Parameters<typeof reportJson>[0]['policies'], end: number) {
    let addresses: string[];
    try {
      addresses = ruaMailboxes(await opts.resolveTxt(`_smtp._tls.${domain}`));
    } catch {
      return []; // no record: nobody asked for a report
    }
    const reportId = `${new Date(periodStart).toISOString()}-${randomBytes(6).toString('hex')}@${opts.hostname}`;
    const base = { organization: opts.organization, reportId, domain, start: periodStart, end };
    const json = reportJson({ ...base, contact: opts.from, policies });
    const sent: ReportSent[] = [];
    for (const to of addresses) {
      const mail = reportMail({ ...base, from: opts.from, to: [to], json, hostname: opts.hostname, now: end });
      const raw = opts.prepare ? await opts.prepare(mail) : mail;
      const route: Route = { kind: 'direct', domain: to.slice(to.lastIndexOf('@') + 1) };
      const result = await opts.send({ from: opts.from, to: [to] }, raw, route);
      const outcome = result.recipients[0]?.outcome ?? 'deferred';
      if (outcome !== 'delivered') opts.logger.warn({ domain, to, outcome }, 'TLS report not delivered; dropped');
      sent.push({ domain, to, outcome });
    }
    return sent;
  }

  async function cycle(): Promise<ReportSent[]> {
    const end = clock();
    const drained = [...opts.outcomes.drain()];
    const sent: ReportSent[] = [];
    for (let i = 0; i < drained.length; i += BATCH) {
      const batch = drained.slice(i, i + BATCH);
      const results = await Promise.all(batch.map(([domain, policies]) => reportDomain(domain, policies, end)));
      sent.push(...results.flat());
    }
    periodStart = end;
    if (sent.length > 0) opts.logger.info({ reports: sent.length }, 'TLS reports sent');
    return sent;
  }

  function runCycle(): Promise<ReportSent[]> {
    // one cycle at a time: a forced cycle during the daily one waits for it and runs after
    const previous = running ?? Promise.resolve([]);
    const next = previous.then(cycle, cycle).finally(() => {
      if (running === next) running = undefined;
    });
    running = next;
    return next;
  }

  return {
    runCycle,
    start(intervalMs) {
      timer = setInterval(() => {
        runCycle().catch((err: unknown) => opts.logger.error({ err }, 'TLS report cycle failed'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
