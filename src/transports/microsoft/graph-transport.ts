import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { MailboxOutcome } from '../../core/metrics.js';
import { Replies, replyLine, type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type {
  DeliveryResult,
  Envelope,
  MaybePromise,
  MicrosoftAccount,
  RecipientResult,
  Route,
  Transport,
} from '../../core/types.js';
import { fromAddress, isSendAs, withEnvelopeBcc } from '../gmail/gmail-message.js';
import { splitForDraft } from './draft-split.js';
import { type GraphApi, mimeRequestBytes } from './graph-api.js';
import type { GraphDrafts } from './graph-drafts.js';
import { GRAPH_SCOPES } from './identity-platform.js';
import { classifyMicrosoftError, type MicrosoftFailure } from './microsoft-errors.js';
import { sendAsDraft } from './send-as-draft.js';
import type { TokenSource } from './token-source.js';

/**
 * Delivery through Microsoft Graph sendMail (MIME form) of a linked Microsoft 365 mailbox
 * (`kind: 'microsoft365'` routes); a message whose MIME form passes Graph's request limit goes as a
 * draft with its large attachments uploaded (draft-split.ts, graph-drafts.ts). Like the Gmail
 * transport it knows nothing of tenants: the route carries the account (refresh token opened for
 * this attempt only) and an opaque `owner`, handed back to `onLinkBroken`. The link, the From and
 * the daily limit are the tenant's to fix: such mail waits (deferred) with a reply that says why;
 * only the message itself can bounce.
 */
export interface RecipientQuota {
  /** Counts `count` recipients for `key` today; when that would pass `limit`, nothing is counted. */
  take(
    key: string,
    count: number,
    limit: number,
    now: number,
  ): MaybePromise<{ readonly ok: true } | { readonly ok: false; readonly resetAt: number; readonly used: number }>;
  giveBack(key: string, count: number, now: number): MaybePromise<void>;
}

export interface GraphTransportOptions {
  readonly graph: GraphApi;
  readonly drafts: GraphDrafts;
  readonly tokens: TokenSource;
  readonly quota: RecipientQuota;
  /** Graph's limit on one request (4 MB); the base64 body counts. Above it: the draft path. */
  readonly maxRequestBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onLinkBroken?: (owner: string, reply: string, key: string) => void;
  /** One outcome per send or refusal to send (metrics). */
  readonly onOutcome?: (outcome: MailboxOutcome) => void;
}

const NEXT_HOP = 'microsoft-graph';

type MicrosoftRoute = Extract<Route, { kind: 'microsoft365' }>;

/** What one send comes to for all its recipients. */
interface Held {
  readonly metric?: MailboxOutcome;
  readonly outcome: RecipientResult['outcome'];
  readonly reply: SmtpReply;
  readonly notBefore?: number;
}

export function notSendAsReply(from: string | undefined, account: string): SmtpReply {
  return smtpReply(
    451,
    '4.7.0',
    `From ${from ?? '(none)'} is not an address the linked Microsoft 365 mailbox ${account} may send as: ` +
      'add it as an alias (proxy address) of the mailbox and link again, or change the sender settings',
  );
}

function tooBig(reason: string): SmtpReply {
  return smtpReply(
    552,
    '5.3.4',
    `Message too big for Microsoft 365 mode: ${reason} (send large attachments as a link, or use another sender mode)`,
  );
}

type Delivery = (token: string, userId: string) => Promise<void>;

export function createGraphTransport(opts: GraphTransportOptions): Transport {
  /** One send; a 401 drops the cached token and tries once more. Token errors never bounce the message. */
  async function sendOnce(
    key: string,
    account: MicrosoftAccount,
    deliver: Delivery,
  ): Promise<'sent' | MicrosoftFailure> {
    for (let attempt = 0; ; attempt++) {
      let token: string;
      try {
        token = await opts.tokens.accessToken(key, account.refreshToken, GRAPH_SCOPES);
      } catch (err) {
        const failure = classifyMicrosoftError(err, opts.clock());
        return failure.kind === 'bounce' || failure.kind === 'unauthorized'
          ? { kind: 'defer', reply: smtpReply(451, '4.7.0', `Microsoft sign-in failed: ${failure.reply.text}`) }
          : failure;
      }
      try {
        await deliver(token, account.userId);
        return 'sent';
      } catch (err) {
        const failure = classifyMicrosoftError(err, opts.clock());
        if (failure.kind !== 'unauthorized' || attempt > 0) return failure;
        opts.tokens.forget(key);
      }
    }
  }

  /** Why this message may not go now (From, daily limit), checked before Graph is asked; undefined: it may. */
  async function refusal(
    account: MicrosoftAccount,
    key: string,
    message: Buffer,
    count: number,
    now: number,
  ): Promise<Held | undefined> {
    const from = fromAddress(message);
    if (from === undefined || !isSendAs(from, account.sendAs))
      return { metric: 'not-send-as', outcome: 'deferred', reply: notSendAsReply(from, account.address) };
    const limit = account.dailyRecipientLimit;
    if (count > limit) {
      const text = `More recipients (${count}) than Microsoft 365's daily limit of ${limit}`;
      return { metric: 'bounced', outcome: 'bounced', reply: smtpReply(552, '5.5.3', text) };
    }
    const taken = await opts.quota.take(key, count, limit, now);
    if (taken.ok) return undefined;
    const until = new Date(taken.resetAt).toISOString();
    const text =
      `Microsoft 365 daily limit of ${limit} recipients reached (${taken.used} today), ` + `deferred until ${until}`;
    return {
      metric: 'daily-limit',
      outcome: 'deferred',
      reply: smtpReply(451, '4.7.0', text),
      notBefore: taken.resetAt,
    };
  }

  /** A failed send: the count given back, a dead link reported, the delay Microsoft asked for kept. */
  async function failed(route: MicrosoftRoute, failure: MicrosoftFailure, count: number, now: number): Promise<Held> {
    await opts.quota.giveBack(route.key, count, now);
    if (failure.kind === 'link-broken') {
      opts.tokens.forget(route.key);
      opts.onLinkBroken?.(route.owner, replyLine(failure.reply), route.key);
    }
    opts.logger.info(
      { owner: route.owner, outcome: failure.kind, reply: replyLine(failure.reply) },
      'microsoft365 send failed',
    );
    const after = failure.kind === 'defer' ? failure.retryAfterMs : undefined;
    return {
      metric: failure.kind === 'link-broken' ? 'link-broken' : failure.kind === 'bounce' ? 'bounced' : 'deferred',
      outcome: failure.kind === 'bounce' ? 'bounced' : 'deferred',
      reply: failure.reply,
      ...(after !== undefined ? { notBefore: opts.clock() + after } : {}),
    };
  }

  /** The one MIME request when it fits; else the draft path, or a bounce saying why Graph cannot take it. */
  async function deliveryOf(message: Buffer): Promise<Delivery | SmtpReply> {
    if (mimeRequestBytes(message.length) <= opts.maxRequestBytes)
      return (token, userId) => opts.graph.sendMime(token, userId, message);
    const split = await splitForDraft(message, opts.maxRequestBytes).catch((err: unknown) => {
      opts.logger.warn({ err }, 'microsoft365 could not take the attachments out of a large message');
      return undefined;
    });
    if (split === undefined)
      return smtpReply(451, '4.3.0', 'Microsoft 365 mode could not split the large message for an upload');
    if (split.kind === 'refused') return tooBig(split.reason);
    return (token, userId) => sendAsDraft(opts.drafts, token, userId, split, opts.logger);
  }

  async function attempt(envelope: Envelope, raw: Buffer, route: MicrosoftRoute): Promise<Held> {
    const message = withEnvelopeBcc(raw, envelope.to);
    const count = envelope.to.length;
    const now = opts.clock();
    const held = await refusal(route.account, route.key, message, count, now);
    if (held) return held;
    const deliver = await deliveryOf(message);
    if (typeof deliver !== 'function') {
      await opts.quota.giveBack(route.key, count, now);
      const bounced = deliver.code >= 500;
      return { metric: bounced ? 'bounced' : 'deferred', outcome: bounced ? 'bounced' : 'deferred', reply: deliver };
    }
    const outcome = await sendOnce(route.key, route.account, deliver);
    if (outcome !== 'sent') return await failed(route, outcome, count, now);
    return {
      metric: 'sent',
      outcome: 'delivered',
      reply: smtpReply(250, '2.0.0', 'Microsoft 365 accepted the message'),
    };
  }

  async function send(envelope: Envelope, raw: Buffer, route: Route): Promise<DeliveryResult> {
    const held: Held =
      route.kind === 'microsoft365'
        ? await attempt(envelope, raw, route)
        : { outcome: 'deferred', reply: Replies.wrongRoute('microsoft365 transport', route.kind) };
    if (held.metric) opts.onOutcome?.(held.metric);
    return {
      recipients: envelope.to.map((address) => ({
        address,
        outcome: held.outcome,
        reply: held.reply,
        nextHop: NEXT_HOP,
        ...(held.notBefore !== undefined ? { notBefore: held.notBefore } : {}),
      })),
    };
  }

  return { name: 'microsoft365', send, close: async () => {} };
}
