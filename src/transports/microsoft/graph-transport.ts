import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { Replies, replyLine, type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type {
  DeliveryResult,
  Envelope,
  MicrosoftAccount,
  RecipientResult,
  Route,
  Transport,
} from '../../core/types.js';
import { fromAddress, isSendAs, withEnvelopeBcc } from '../gmail/gmail-message.js';
import { type GraphApi, mimeRequestBytes } from './graph-api.js';
import { GRAPH_SCOPES } from './identity-platform.js';
import { classifyMicrosoftError, type MicrosoftFailure } from './microsoft-errors.js';
import type { TokenSource } from './token-source.js';

/**
 * Delivery through Microsoft Graph sendMail (MIME form) of a linked Microsoft 365 mailbox
 * (`kind: 'microsoft365'` routes). Like the Gmail transport it knows nothing of tenants: the route
 * carries the account (refresh token opened for this attempt only) and an opaque `owner`, handed
 * back to `onLinkBroken`. The link, the From and the daily limit are the tenant's to fix: such mail
 * waits (deferred) with a reply that says why; only the message itself can bounce.
 */
export interface RecipientQuota {
  /** Counts `count` recipients for `key` today; when that would pass `limit`, nothing is counted. */
  take(
    key: string,
    count: number,
    limit: number,
    now: number,
  ): { readonly ok: true } | { readonly ok: false; readonly resetAt: number; readonly used: number };
  giveBack(key: string, count: number, now: number): void;
}

export interface GraphTransportOptions {
  readonly graph: GraphApi;
  readonly tokens: TokenSource;
  readonly quota: RecipientQuota;
  /** Graph's limit on one request (4 MB); the base64 body counts. */
  readonly maxRequestBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onLinkBroken?: (owner: string, reply: string, key: string) => void;
}

const NEXT_HOP = 'microsoft-graph';

export function notSendAsReply(from: string | undefined, account: string): SmtpReply {
  return smtpReply(
    451,
    '4.7.0',
    `From ${from ?? '(none)'} is not an address the linked Microsoft 365 mailbox ${account} may send as: ` +
      'add it as an alias (proxy address) of the mailbox and link again, or change the sender settings',
  );
}

function tooBig(bytes: number, max: number): SmtpReply {
  return smtpReply(
    552,
    '5.3.4',
    `Message too big for Microsoft 365 mode: ${bytes} bytes encoded, Graph takes at most ${max} bytes per request ` +
      '(send large attachments as a link, or use another sender mode for them)',
  );
}

export function createGraphTransport(opts: GraphTransportOptions): Transport {
  /** One send; a 401 drops the cached token and tries once more. Token errors never bounce the message. */
  async function sendOnce(key: string, account: MicrosoftAccount, raw: Buffer): Promise<'sent' | MicrosoftFailure> {
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
        await opts.graph.sendMime(token, account.userId, raw);
        return 'sent';
      } catch (err) {
        const failure = classifyMicrosoftError(err, opts.clock());
        if (failure.kind !== 'unauthorized' || attempt > 0) return failure;
        opts.tokens.forget(key);
      }
    }
  }

  async function send(envelope: Envelope, raw: Buffer, route: Route): Promise<DeliveryResult> {
    const all = (outcome: RecipientResult['outcome'], reply: SmtpReply, notBefore?: number): DeliveryResult => ({
      recipients: envelope.to.map((address) => ({
        address,
        outcome,
        reply,
        nextHop: NEXT_HOP,
        ...(notBefore !== undefined ? { notBefore } : {}),
      })),
    });
    if (route.kind !== 'microsoft365') return all('deferred', Replies.wrongRoute('microsoft365 transport', route.kind));
    const { account } = route;
    const from = fromAddress(raw);
    if (from === undefined || !isSendAs(from, account.sendAs))
      return all('deferred', notSendAsReply(from, account.address));
    const message = withEnvelopeBcc(raw, envelope.to);
    const encoded = mimeRequestBytes(message.length);
    if (encoded > opts.maxRequestBytes) return all('bounced', tooBig(encoded, opts.maxRequestBytes));
    const count = envelope.to.length;
    if (count > account.dailyRecipientLimit)
      return all(
        'bounced',
        smtpReply(
          552,
          '5.5.3',
          `More recipients (${count}) than Microsoft 365's daily limit of ${account.dailyRecipientLimit}`,
        ),
      );
    const now = opts.clock();
    const taken = opts.quota.take(route.key, count, account.dailyRecipientLimit, now);
    if (!taken.ok) {
      const until = new Date(taken.resetAt).toISOString();
      const reply = smtpReply(
        451,
        '4.7.0',
        `Microsoft 365 daily limit of ${account.dailyRecipientLimit} recipients reached (${taken.used} today), ` +
          `deferred until ${until}`,
      );
      return all('deferred', reply, taken.resetAt);
    }
    const outcome = await sendOnce(route.key, account, message);
    if (outcome === 'sent') return all('delivered', smtpReply(250, '2.0.0', 'Microsoft 365 accepted the message'));
    opts.quota.giveBack(route.key, count, now);
    if (outcome.kind === 'link-broken') {
      opts.tokens.forget(route.key);
      opts.onLinkBroken?.(route.owner, replyLine(outcome.reply), route.key);
    }
    const notBefore =
      outcome.kind === 'defer' && outcome.retryAfterMs !== undefined ? opts.clock() + outcome.retryAfterMs : undefined;
    opts.logger.info(
      { owner: route.owner, outcome: outcome.kind, reply: replyLine(outcome.reply) },
      'microsoft365 send failed',
    );
    return all(outcome.kind === 'bounce' ? 'bounced' : 'deferred', outcome.reply, notBefore);
  }

  return { name: 'microsoft365', send, close: async () => {} };
}
