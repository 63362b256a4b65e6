import { handleVerpBounce } from './bounce-handler.js';
import type { Inbox } from './inbox.js';
import type { MxContext } from './mx-context.js';
import type { InboxEntry } from './mx-stores.js';
import { classifyRecipient, isReply } from './recipient-policy.js';
import { handleReply } from './reply-handler.js';

export interface MxProcessor {
  /** Processes one stored message (after its 250), one at a time in arrival order. */
  submit(id: string): void;
  /** Everything still in the inbox (a crash came between 250 and processing): call once at start. */
  recover(): void;
  /** Resolves when the work submitted so far is done. */
  idle(): Promise<void>;
}

/**
 * Runs each stored MX message through its handler per recipient, then deletes it from the
 * inbox. A failure leaves it there (logged) for the next start: nothing is lost, and a
 * message that fails every time costs one log line per start.
 */
export function createMxProcessor(ctx: MxContext, inbox: Inbox): MxProcessor {
  let chain: Promise<void> = Promise.resolve();
  const run = async (id: string): Promise<void> => {
    const entry = inbox.get(id);
    const raw = inbox.body(id);
    if (!entry || !raw) return;
    try {
      await processOne(ctx, entry, raw);
      await inbox.remove(id);
    } catch (err) {
      ctx.logger.error({ mxId: id, err }, 'mx processing failed; kept for the next start');
    }
  };
  const submit = (id: string): void => {
    chain = chain.then(() => run(id));
  };
  return {
    submit,
    recover() {
      const waiting = inbox.pending();
      if (waiting.length > 0) ctx.logger.info({ count: waiting.length }, 'processing mx messages left from before the restart');
      for (const e of waiting) submit(e.id);
    },
    idle: () => chain,
  };
}

async function processOne(ctx: MxContext, entry: InboxEntry, raw: Buffer): Promise<void> {
  const log = { mxId: entry.id, from: entry.envelope.from, ip: entry.client.address };
  for (const address of entry.envelope.to) {
    const target = classifyRecipient(ctx.domains, address, ctx.clock());
    if (isReply(target)) continue; // refused at RCPT; a config change since then
    if (target.kind === 'bounce') await handleVerpBounce(ctx, address, raw, log);
    else if (target.kind === 'forwarding') await handleReply(ctx, entry, target.localPart, raw, log);
    else ctx.logger.info({ ...log, rcpt: address, kind: target.kind }, 'mx message logged, not processed further');
  }
}
