import { handleArf } from '../../feedback/arf-handler.js';
import { handleVerpBounce } from '../../feedback/bounce-handler.js';
import type { Inbox } from './inbox.js';
import type { MxContext } from '../../feedback/mx-context.js';
import type { InboxEntry } from '../../feedback/mx-stores.js';
import { classifyRecipient, isReply } from '../../feedback/recipient-policy.js';
import { handleReply } from '../../feedback/reply-handler.js';

export interface MxProcessor {
  /** Processes one stored message (after its 250), one at a time in arrival order. */
  submit(id: string): void;
  /** Everything still in the inbox (a crash came between 250 and processing): call once at start. */
  recover(): void;
  /** Resolves when the work submitted so far is done. */
  idle(): Promise<void>;
  /**
   * No more retries (before the store closes): work already submitted still runs; a failure stays in the inbox for the
   * next start.
   */
  stop(): void;
}

/** A failed message is tried again after 1 min, doubling up to 1 h, as long as the gateway runs. */
export interface MxRetry {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const MX_RETRY: MxRetry = { firstMs: 60_000, maxMs: 3600_000 };

export type MxHandle = (ctx: MxContext, entry: InboxEntry, raw: Buffer) => Promise<void>;

/**
 * Runs each stored MX message through its handler per recipient, then deletes it from the
 * inbox. A failure (the queue full, say) leaves it there, logged, and it is tried again
 * with backoff (1 min doubling to 1 h) while the gateway runs, and at the next start in any case.
 */
export function createMxProcessor(
  ctx: MxContext,
  inbox: Inbox,
  handle: MxHandle = processOne,
  retry: MxRetry = MX_RETRY,
): MxProcessor {
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  const failures = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (id: string): void => {
    if (stopped) return;
    const n = (failures.get(id) ?? 0) + 1;
    failures.set(id, n);
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        submit(id);
      },
      Math.min(retry.maxMs, retry.firstMs * 2 ** (n - 1)),
    );
    timer.unref();
    timers.add(timer);
  };
  const run = async (id: string): Promise<void> => {
    const entry = inbox.get(id);
    const raw = inbox.body(id);
    if (!entry || !raw) return;
    try {
      await handle(ctx, entry, raw);
      await inbox.remove(id);
      failures.delete(id);
    } catch (err) {
      ctx.logger.error(
        { mxId: id, err, failures: (failures.get(id) ?? 0) + 1 },
        'mx processing failed; kept in the inbox and tried again later',
      );
      later(id);
    }
  };
  const submit = (id: string): void => {
    chain = chain.then(() => run(id));
  };
  return {
    submit,
    recover() {
      const waiting = inbox.pending();
      if (waiting.length > 0)
        ctx.logger.info({ count: waiting.length }, 'processing mx messages left from before the restart');
      for (const e of waiting) submit(e.id);
    },
    idle: () => chain,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

async function processOne(ctx: MxContext, entry: InboxEntry, raw: Buffer): Promise<void> {
  const log = { mxId: entry.id, from: entry.envelope.from, ip: entry.client.address };
  // A feedback-loop report (ARF) is about the message it returns, whichever of our addresses it came to.
  if (await handleArf(ctx, entry, raw, log)) return;
  let reportTaken = false;
  for (const address of entry.envelope.to) {
    const target = classifyRecipient(ctx.domains, address, ctx.clock());
    if (isReply(target)) continue; // refused at RCPT; a config change since then
    if (target.kind === 'bounce') await handleVerpBounce(ctx, address, raw, log);
    else if (target.kind === 'forwarding') await handleReply(ctx, entry, target.localPart, raw, log);
    else if (target.kind === 'report' && ctx.reports && !reportTaken) {
      reportTaken = true; // sent to both report addresses: one mail, read once
      await ctx.reports(raw, { ...log, rcpt: address });
    } else ctx.logger.info({ ...log, rcpt: address, kind: target.kind }, 'mx message logged, not processed further');
  }
}
