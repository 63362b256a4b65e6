import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, MxEvent } from '../../core/metrics.js';
import { registerMemoryGauges } from './memory-metrics.js';

export interface QueueDepth {
  readonly messages: number;
  readonly queued: number;
  readonly deferred: number;
}

/** The free-space watermark's last sample (src/store/disk-watermark.ts). */
export interface DiskSample {
  freeBytes(): number | undefined;
  below(): boolean;
}

export interface CreatedMetrics {
  readonly metrics: Metrics;
  /** Served at GET /metrics; one per gateway, never prom-client's global registry. */
  readonly registry: Registry;
}

/**
 * The Prometheus side of `Metrics`. Queue gauges are read from `depth()` when scraped, so
 * they are never stale and cost nothing between scrapes.
 */
export function createMetrics(opts: { depth: () => QueueDepth; disk?: DiskSample; dataDir?: string }): CreatedMetrics {
  const registry = new Registry();
  const registers = [registry];
  const accepted = new Counter({
    name: 'postbode_messages_accepted_total',
    help: 'Messages queued (250 sent to the client)',
    registers,
  });
  const rejected = new Counter({
    name: 'postbode_messages_rejected_total',
    help: 'Commands or messages refused, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const recipients = new Counter({
    name: 'postbode_recipients_total',
    help: 'Per-recipient delivery outcomes',
    labelNames: ['outcome'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'postbode_accept_latency_seconds',
    help: 'End of DATA until the message is durable in the queue',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  new Gauge({
    name: 'postbode_queue_messages',
    help: 'Messages with at least one recipient not yet final',
    registers,
    collect() {
      this.set(opts.depth().messages);
    },
  });
  new Gauge({
    name: 'postbode_queue_recipients',
    help: 'Recipients not yet final, by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      const depth = opts.depth();
      this.set({ status: 'queued' }, depth.queued);
      this.set({ status: 'deferred' }, depth.deferred);
    },
  });
  if (opts.disk) diskGauges(registers, opts.disk);
  const mx = mxCounters(registers);
  const gmail = new Counter({
    name: 'postbode_gmail_sends_total',
    help: 'Gmail mode sends by outcome (sent, deferred, bounced, link-broken, daily-limit, not-send-as)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const microsoft365 = new Counter({
    name: 'postbode_microsoft365_sends_total',
    help: 'Microsoft 365 mode sends by outcome (sent, deferred, bounced, link-broken, daily-limit, not-send-as)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const limitHits = new Counter({
    name: 'postbode_tenant_limit_hits_total',
    help: 'Commands refused by a tenant or session limit, by limit (per tenant: GET /tenants/{id}/limits)',
    labelNames: ['limit'] as const,
    registers,
  });
  registerMemoryGauges(registers, { dataDir: opts.dataDir });
  const replayed = new Counter({
    name: 'postbode_queue_replayed_total',
    help: 'Messages in flight when the previous process died, sent again after the start (at-least-once)',
    registers,
  });
  collectDefaultMetrics({ register: registry });

  const metrics: Metrics = {
    accepted(seconds) {
      accepted.inc();
      latency.observe(seconds);
    },
    rejected(reason) {
      rejected.inc({ reason });
    },
    delivery(outcome, count) {
      if (count > 0) recipients.inc({ outcome }, count);
    },
    mx(event, category) {
      mx(event, category);
    },
    gmail(outcome) {
      gmail.inc({ outcome });
    },
    microsoft365(outcome) {
      microsoft365.inc({ outcome });
    },
    limitHit(limit) {
      limitHits.inc({ limit });
    },
    replayed(count) {
      if (count > 0) replayed.inc(count);
    },
  };
  return { metrics, registry };
}

/** Read when scraped, like the queue gauges. */
function diskGauges(registers: Registry[], disk: DiskSample): void {
  new Gauge({
    name: 'postbode_disk_free_bytes',
    help: "Free bytes on the data directory's filesystem at the last statfs sample",
    registers,
    collect() {
      const free = disk.freeBytes();
      if (free !== undefined) this.set(free);
    },
  });
  new Gauge({
    name: 'postbode_disk_below_watermark',
    help: '1 while free space is below queue.minFreeBytes (new mail gets 452 4.3.1), else 0',
    registers,
    collect() {
      this.set(disk.below() ? 1 : 0);
    },
  });
}

/** Inbound MX counters (src/feedback/): bounces by category, forwarded replies, auto-replies, forged bounces. */
function mxCounters(registers: Registry[]): (event: MxEvent, category?: string) => void {
  const bounces = new Counter({
    name: 'postbode_mx_bounces_total',
    help: 'Bounces received, by category (hard, soft, delayed)',
    labelNames: ['category'] as const,
    registers,
  });
  const held = new Counter({
    name: 'postbode_mx_replies_held_total',
    help:
      'Replies not forwarded, by reason (unmatched: answers no message the tenant sent; unconfirmed: the ' +
      'reply address is not confirmed)',
    labelNames: ['reason'] as const,
    registers,
  });
  const reports = new Counter({
    name: 'postbode_mx_reports_total',
    help:
      'DMARC aggregate and TLS-RPT reports received, by outcome (dmarc, tls: stored; unowned: no one owns the ' +
      'domain; duplicate: stored already; too-large, bad-archive, bad-xml, doctype, bad-json, not-a-report, ' +
      'no-report: dropped)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const counters: Record<Exclude<MxEvent, 'bounce' | 'reply-held' | 'report'>, Counter> = {
    'reply-forwarded': new Counter({
      name: 'postbode_mx_replies_forwarded_total',
      help: 'Replies forwarded to the tenant',
      registers,
    }),
    'auto-reply': new Counter({ name: 'postbode_mx_auto_replies_total', help: 'Auto-replies recorded', registers }),
    complaint: new Counter({
      name: 'postbode_mx_complaints_total',
      help: 'Feedback-loop reports (ARF) of a recipient marking a message as spam, matched to a tenant',
      registers,
    }),
    forged: new Counter({
      name: 'postbode_mx_forged_bounces_total',
      help: 'Bounces dropped as forged (bad VERP MAC, unknown or foreign message)',
      registers,
    }),
  };
  return (event, category) => {
    if (event === 'bounce') bounces.inc({ category: category ?? 'unknown' });
    else if (event === 'reply-held') held.inc({ reason: category ?? 'unknown' });
    else if (event === 'report') reports.inc({ outcome: category ?? 'unknown' });
    else counters[event].inc();
  };
}
