import type { Clock } from '../../core/clock.js';
import { runHere, type ExclusiveRun } from '../../core/exclusive-run.js';
import { newQueueId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { MessageQueue, QueuedMessage, RecipientResult } from '../../core/types.js';
import { alertMail, alertSubject, type AlertItem } from './alert-mail.js';
import { MAX_MARKS, MAX_PENDING, type AlertState, type AlertStore } from './alert-store.js';
import { alertLanguage } from './alert-texts.js';

export const DAY_MS = 24 * 3_600_000;
/** How often the digest looks whose day is over. */
export const DIGEST_CHECK_MS = 3_600_000;
/** The digest's name among the periodic jobs (the lock's name on a shared database). */
export const DIGEST_JOB = 'bounce-alert-digest';

export interface BounceAlertDeps {
  readonly store: AlertStore;
  readonly queue: Pick<MessageQueue, 'enqueue'>;
  /** The tenant's confirmed "send replies to" address, else undefined: no alert (we mail only proven addresses). */
  readonly recipientOf: (tenantId: string) => Promise<string | undefined>;
  readonly languageOf: (tenantId: string) => string | undefined;
  /** "invoice 2024-017" in that language when the content stage found the document number; else undefined. */
  readonly documentOf: (queueId: string, language: string) => string | undefined;
  /** The settings page's address of one message. */
  readonly linkOf: (queueId: string) => string;
  readonly from: string;
  readonly hostname: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onQueued: () => void;
  /**
   * Keeps digest rounds to one at a time across nodes (default: always here). A round skipped
   * because another runs at that moment queues nothing; the next check (DIGEST_CHECK_MS) tries again.
   */
  readonly exclusive?: ExclusiveRun;
}

export interface BounceAlerts {
  /** Delivery recorded these results (result-recorder.ts): bounces, and deferrals past the tenant's limit. */
  recorded(after: QueuedMessage, results: readonly RecipientResult[]): void;
  /** The inbound MX recorded a late bounce (feedback/bounce-handler.ts). */
  lateBounce(message: QueuedMessage, address: string, reply: string): void;
  /** One digest round: every tenant in daily mode whose day is over; resolves to the mails queued (0: skipped). */
  runDigest(): Promise<number>;
  /** Resolves once the events handed in so far are handled (tests). */
  idle(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** Only the client's own recipients of client mail: never the archive or accountant copy, a DSN, a reply, an alert. */
function eligible(msg: QueuedMessage, address: string): boolean {
  if (msg.kind !== 'mail') return false;
  const r = msg.recipients.find((x) => x.address === address);
  return r !== undefined && (r.role === undefined || r.role === 'client');
}

const markOf = (i: Pick<AlertItem, 'queueId' | 'address' | 'event'>): string =>
  `${i.queueId}|${i.address.toLowerCase()}|${i.event}`;

/**
 * Bounce alerts: a small module the delivery recorder and the MX's bounce handler call beside their own work.
 * Events are handled one after another on one chain, never awaited by the caller and never thrown at it: a failed
 * alert is logged, the delivery goes on. Other processes change the same per-tenant state at the same time: every
 * change is one TenantDocuments.update.
 */
export function createBounceAlerts(deps: BounceAlertDeps): BounceAlerts {
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const enqueueWork = <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    const next = chain.then(work).catch((err: unknown) => {
      deps.logger.error({ err }, 'bounce alert failed');
      return fallback;
    });
    chain = next;
    return next;
  };
  const note = (msg: QueuedMessage, address: string, event: AlertItem['event'], reply: string): void => {
    if (!eligible(msg, address)) return;
    void enqueueWork(() => handle(deps, msg, address, event, reply), undefined);
  };
  const exclusive = deps.exclusive ?? runHere;
  const runDigest = (): Promise<number> =>
    enqueueWork(async () => {
      const round = await exclusive(DIGEST_JOB, () => digestRound(deps));
      return round.ran ? round.result : 0;
    }, 0);
  return {
    recorded(after, results) {
      if (after.kind !== 'mail') return; // the cheap test first: DSNs, replies and alerts never alert
      const now = deps.clock();
      for (const r of results) {
        const status = after.recipients.find((x) => x.address === r.address)?.status;
        const event =
          status === 'bounced' || status === 'expired'
            ? status
            : status === 'deferred' && deferredTooLong(deps, after, now)
              ? 'deferred'
              : undefined;
        if (event) note(after, r.address, event, replyText(after, r.address));
      }
    },
    lateBounce: (message, address, reply) => note(message, address, 'bounced', reply),
    runDigest,
    idle: () => chain.then(() => undefined),
    start() {
      timer ??= setInterval(() => void runDigest(), DIGEST_CHECK_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await chain.catch(() => undefined);
    },
  };
}

function replyText(msg: QueuedMessage, address: string): string {
  return msg.recipients.find((r) => r.address === address)?.lastReply ?? '';
}

function deferredTooLong(deps: BounceAlertDeps, msg: QueuedMessage, now: number): boolean {
  const hours = deps.store.settingsOf(msg.tenantId).deferredAfterHours;
  return hours !== null && now - msg.receivedAt >= hours * 3_600_000;
}

async function handle(
  deps: BounceAlertDeps,
  msg: QueuedMessage,
  address: string,
  event: AlertItem['event'],
  reply: string,
): Promise<void> {
  const settings = deps.store.settingsOf(msg.tenantId);
  if (settings.mode === 'off') return;
  const state: AlertState = deps.store.state.get(msg.tenantId) ?? { marks: [], pending: [] };
  const now = deps.clock();
  const language = deps.languageOf(msg.tenantId) ?? 'en';
  const document = deps.documentOf(msg.id, language);
  const item: AlertItem = {
    queueId: msg.id,
    address,
    event,
    reply,
    ...(document === undefined ? {} : { document }),
    ...(msg.subject === undefined ? {} : { subject: msg.subject }),
    hours: Math.floor((now - msg.receivedAt) / 3_600_000),
    at: now,
  };
  const mark = markOf(item);
  if (state.marks.includes(mark)) return;
  // Read and written in one step (TenantDocuments.update): bounces of one tenant are handled at once, by this
  // process and by others (workers, nodes); a read-then-put would drop marks and pending items of the others.
  if (settings.mode === 'daily') {
    await deps.store.state.update(msg.tenantId, (current) => {
      const had = current ?? EMPTY_STATE;
      if (had.marks.includes(mark)) return had;
      const marks = [...had.marks, mark].slice(-MAX_MARKS);
      return { ...had, marks, pending: [...had.pending, item].slice(-MAX_PENDING) };
    });
    return;
  }
  // One alert per event whoever hears it: the mark is claimed before the mail, and given back when none went out.
  let claimed = false;
  await deps.store.state.update(msg.tenantId, (current) => {
    const had = current ?? EMPTY_STATE;
    claimed = !had.marks.includes(mark);
    return claimed ? { ...had, marks: [...had.marks, mark].slice(-MAX_MARKS) } : had;
  });
  if (!claimed) return;
  let sent = false;
  try {
    sent = await mail(deps, msg.tenantId, [item]);
  } finally {
    if (!sent)
      await deps.store.state.update(msg.tenantId, (current) =>
        current === undefined ? undefined : { ...current, marks: current.marks.filter((m) => m !== mark) },
      );
  }
}

const EMPTY_STATE: AlertState = { marks: [], pending: [] };

/** Queues one alert mail; false when the tenant has no confirmed reply address (nothing sent, nothing marked). */
async function mail(deps: BounceAlertDeps, tenantId: string, items: readonly AlertItem[]): Promise<boolean> {
  const to = await deps.recipientOf(tenantId);
  if (to === undefined) {
    deps.logger.info(
      { tenantId, items: items.length },
      'bounce alert not sent: no confirmed "send replies to" address',
    );
    return false;
  }
  const now = deps.clock();
  const id = newQueueId(now);
  const language = alertLanguage(deps.languageOf(tenantId));
  const m = { id, to, from: deps.from, hostname: deps.hostname, language, items, linkOf: deps.linkOf, now };
  await deps.queue.enqueue(
    {
      id,
      tenantId,
      kind: 'alert',
      envelope: { from: '', to: [to] },
      receivedAt: now,
      client: { address: '127.0.0.1', helo: deps.hostname },
      messageId: `<${id.toLowerCase()}.bounce-alert@${deps.hostname}>`,
      subject: alertSubject(m),
    },
    alertMail(m),
  );
  deps.logger.info({ tenantId, queueId: id, items: items.length }, 'bounce alert queued');
  deps.onQueued();
  return true;
}

async function digestRound(deps: BounceAlertDeps): Promise<number> {
  let mailed = 0;
  const now = deps.clock();
  const due = (state: AlertState | undefined): state is AlertState => {
    const first = state?.pending[0];
    return state !== undefined && first !== undefined && now - (state.lastDigestAt ?? first.at) >= DAY_MS;
  };
  for (const tenantId of [...deps.store.state.tenantIds()]) {
    if (!due(deps.store.state.get(tenantId))) continue;
    if (deps.store.settingsOf(tenantId).mode === 'off') {
      await deps.store.state.update(tenantId, (current) => current && { ...current, pending: [] });
      continue;
    }
    // The items are taken in one step (bounces keep arriving meanwhile), and put back when no mail went out.
    let taken: readonly AlertItem[] = [];
    let lastDigestAt: number | undefined;
    await deps.store.state.update(tenantId, (current) => {
      taken = due(current) ? current.pending : [];
      lastDigestAt = current?.lastDigestAt;
      return current && due(current) ? { marks: current.marks, pending: [], lastDigestAt: now } : current;
    });
    if (taken.length === 0) continue;
    let sent = false;
    try {
      sent = await mail(deps, tenantId, taken);
    } finally {
      if (!sent)
        await deps.store.state.update(tenantId, (current) => ({
          marks: current?.marks ?? [],
          pending: [...taken, ...(current?.pending ?? [])].slice(-MAX_PENDING),
          ...(lastDigestAt === undefined ? {} : { lastDigestAt }),
        }));
    }
    if (sent) mailed += 1;
  }
  return mailed;
}
