import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type {
  AttemptLeases,
  MessageQueue,
  QueuedMessage,
  RecipientResult,
  Route,
  TenantDueQueue,
  Transport,
} from '../core/types.js';
import { attemptMessage, type AttemptDeps } from './attempt.js';
import type { Plan } from '../core/plan.js';
import { newlyFailed, returnToSender, type BounceDeps } from './bounce.js';
import { createDestinationSlots } from './destination-slots.js';
import { EVEN_SHARES, TenantTurns, type FairPolicy } from './fair-share.js';
import { createResultRecorder, type RecordedHook } from './result-recorder.js';

export interface DeliveryDeps {
  queue: MessageQueue & TenantDueQueue & AttemptLeases;
  /** Groups a message's due recipients into deliveries (main decides routes). */
  plan: Plan;
  /** Keeps rendered deliveries for retries (render once); absent: every attempt plans afresh. */
  rendered?: AttemptDeps['rendered'];
  /** Holds messages whose rendering asked for the tenant's review (src/pipeline/review/); absent: they are sent. */
  review?: AttemptDeps['review'];
  /** Told of every record of results as it commits (bounce alerts). */
  onRecorded?: RecordedHook;
  transportFor: (route: Route) => Transport;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  /** Most messages in flight at once. */
  activeWindow: number;
  /** Most parallel sends per destination (smarthost name or recipient domain). */
  concurrencyPerDestination: number;
  hostname: string;
  /** Local part (or full address) of the DSN From, e.g. MAILER-DAEMON. */
  bounceFrom: string;
  /** Longest sleep between scans when idle (default 1000). */
  pollMs?: number;
  /** How the window and each destination's slots are shared between tenants (default: even, no cap). */
  fairness?: FairPolicy;
  /**
   * While true no attempt starts: the disk has no room left to record a result (a sent but unrecorded message goes out
   * twice).
   */
  paused?: () => boolean;
}

export interface Delivery {
  start(): void;
  /** New mail was queued: scan soon (many calls in one turn make one scan). */
  notify(): void;
  /** Stops taking work and waits (at most graceMs) for messages in flight. */
  stop(graceMs?: number): Promise<void>;
  inFlight(): number;
}

/** A floor on any sleep, so that a queue reporting odd due times cannot make a hot loop. */
const MIN_POLL_MS = 10;
const DEFAULT_GRACE_MS = 10_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Per-recipient outcomes for the metrics, `expired` when the record turned a deferral into an expiry. */
function countOutcomes(metrics: Metrics, results: readonly RecipientResult[], after: QueuedMessage): void {
  const counts = new Map<'delivered' | 'deferred' | 'bounced' | 'expired', number>();
  const status = new Map(after.recipients.map((r) => [r.address, r.status]));
  for (const r of results) {
    const outcome = status.get(r.address) === 'expired' ? 'expired' : r.outcome;
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }
  for (const [outcome, count] of counts) metrics.delivery(outcome, count);
}

/**
 * The delivery loop (Postfix's qmgr in small): takes due messages from the queue up to the
 * active window, shared between tenants by fair-share.ts (per-tenant due reads), sends each
 * message's deliveries in parallel within the per-destination limit, records each delivery's
 * 250s as they come in and the rest at the end (result-recorder.ts), and returns failures to
 * the sender. Each attempt holds a lease on disk, so a start after a crash can count the
 * messages it sends again. Scans never overlap:
 * a scan is synchronous, and the next one is requested by a notify, a finished message or a
 * timer, coalesced into one.
 */
export function createDelivery(deps: DeliveryDeps): Delivery {
  const pollMs = Math.max(MIN_POLL_MS, deps.pollMs ?? 1000);
  const fairness = deps.fairness ?? EVEN_SHARES;
  const attemptDeps: AttemptDeps = { ...deps, slots: createDestinationSlots(deps.concurrencyPerDestination, fairness) };
  const bounceDeps: BounceDeps = deps;
  const inFlight = new Map<string, Promise<void>>();
  /** The ids in flight per tenant: its share of the window, and what its due reads skip. */
  const byTenant = new Map<string, Set<string>>();
  const turns = new TenantTurns(fairness);
  let running = false;
  let scanQueued = false;
  let sleepTimer: NodeJS.Timeout | undefined;

  function requestScan(): void {
    if (!running || scanQueued) return;
    scanQueued = true;
    setImmediate(() => {
      scanQueued = false;
      scan();
    });
  }

  function sleepFor(ms: number): void {
    clearTimeout(sleepTimer);
    sleepTimer = setTimeout(() => {
      sleepTimer = undefined;
      scan();
    }, ms);
    sleepTimer.unref(); // the listeners keep the process alive, not this timer
  }

  /** Until the next recipient is due; when that one is in flight its finish wakes us, the poll is a net. */
  function sleepUntilDue(now: number): void {
    let next: number | undefined;
    try {
      next = deps.queue.nextDueAt();
    } catch {
      next = undefined;
    }
    sleepFor(next === undefined || next <= now ? pollMs : Math.min(Math.max(next - now, 1), pollMs));
  }

  function scan(): void {
    clearTimeout(sleepTimer);
    sleepTimer = undefined;
    if (!running) return;
    if (deps.paused?.()) return sleepFor(pollMs);
    const now = deps.clock();
    try {
      fillWindow(now);
    } catch (err) {
      deps.logger.error({ err }, 'reading due messages failed');
      return sleepFor(pollMs);
    }
    // a full window is woken by the next message that finishes
    if (inFlight.size < deps.activeWindow) sleepUntilDue(now);
  }

  /**
   * Hands each free slot of the window to the tenant fair-share.ts picks, reading that
   * tenant's due mail in small chunks: the cost follows the slots filled and the number of
   * tenants with mail, never the length of anyone's backlog.
   */
  function fillWindow(now: number): void {
    const tenants = new Set(deps.queue.dueTenants());
    const ready = new Map<string, QueuedMessage[]>();
    const inUse = (tenantId: string): number => byTenant.get(tenantId)?.size ?? 0;
    while (inFlight.size < deps.activeWindow && tenants.size > 0) {
      const tenantId = turns.pick(tenants, inUse, deps.activeWindow);
      if (tenantId === undefined) break;
      let batch = ready.get(tenantId) ?? [];
      if (batch.length === 0) {
        const chunk = Math.ceil((deps.activeWindow - inFlight.size) / tenants.size);
        batch = deps.queue.dueOf(tenantId, now, chunk, byTenant.get(tenantId) ?? new Set());
        ready.set(tenantId, batch);
      }
      const message = batch.shift();
      if (!message) {
        tenants.delete(tenantId); // nothing due now
        continue;
      }
      turns.serve(tenantId);
      launch(message, now);
    }
  }

  function launch(message: QueuedMessage, now: number): void {
    const mine = byTenant.get(message.tenantId) ?? new Set<string>();
    byTenant.set(message.tenantId, mine.add(message.id));
    const work = processMessage(message, now)
      .catch((err: unknown) => deps.logger.error({ queueId: message.id, err }, 'delivery failed unexpectedly'))
      .finally(() => {
        finished(message);
        requestScan();
      });
    inFlight.set(message.id, work);
  }

  function finished(message: QueuedMessage): void {
    inFlight.delete(message.id);
    const mine = byTenant.get(message.tenantId);
    mine?.delete(message.id);
    if (mine?.size === 0) {
      byTenant.delete(message.tenantId);
      turns.forget(message.tenantId);
    }
  }

  async function processMessage(message: QueuedMessage, now: number): Promise<void> {
    deps.queue.lease(message.id, now);
    try {
      await attemptAndRecord(message, now);
    } finally {
      deps.queue.unlease(message.id);
    }
  }

  async function attemptAndRecord(message: QueuedMessage, now: number): Promise<void> {
    const recorder = createResultRecorder(deps.queue, message.id, deps.clock, deps.logger, deps.onRecorded);
    const results = await attemptMessage(attemptDeps, message, now, recorder.sent);
    if (results.length === 0) {
      // Held for review by this attempt: nothing to record.
      if ((await deps.queue.get(message.id))?.heldAt !== undefined) return;
      // the queue called it due but nothing was: hold the lease a while instead of spinning
      deps.logger.warn({ queueId: message.id }, 'message reported due without due recipients');
      return sleep(pollMs);
    }
    const { after, results: recorded, failed } = await recorder.finish(results);
    if (after) {
      countOutcomes(deps.metrics, recorded, after);
      const dsn = await returnToSender(bounceDeps, after, newlyFailed(after, recorded));
      if (dsn) requestScan();
    }
    // results not on record stay due and are sent again (at-least-once), but not in a hot loop
    if (failed) await sleep(pollMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      requestScan();
    },
    notify: requestScan,
    async stop(graceMs = DEFAULT_GRACE_MS) {
      running = false;
      clearTimeout(sleepTimer);
      sleepTimer = undefined;
      if (inFlight.size === 0) return;
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(false), graceMs);
      });
      const finished = await Promise.race([Promise.allSettled(inFlight.values()).then(() => true), graceOver]);
      clearTimeout(graceTimer);
      if (!finished)
        deps.logger.warn(
          { inFlight: inFlight.size },
          'deliveries still running at stop; they stay queued and are retried after restart',
        );
    },
    inFlight: () => inFlight.size,
  };
}
