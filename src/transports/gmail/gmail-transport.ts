import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { GmailOutcome } from '../../core/metrics.js';
import { Replies, replyLine, type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type {
  DeliveryResult,
  Envelope,
  GmailAccount,
  MaybePromise,
  RecipientResult,
  Route,
  Transport,
} from '../../core/types.js';
import { classifyGoogleError, type GmailFailure } from './gmail-errors.js';
import { fromAddress, isSendAs, notSendAsReply, withEnvelopeBcc } from './gmail-message.js';
import type { GoogleApi, OAuthClient } from './google-api.js';

/**
 * Delivery through the Gmail API of a linked account (`kind: 'gmail'` routes). Like the relay
 * transport it knows nothing of tenants: the route carries the account (refresh token opened
 * for this attempt only) and an opaque `owner`, handed back to `onLinkBroken` when Google
 * says the refresh token is dead. Nothing here bounces because of the link or the account's
 * settings: those are the tenant's to fix, so the mail waits (deferred) and the reply says why.
 */
export interface GmailQuota {
  /**
   * Counts one send for `key` today; when `limit` is reached, nothing is counted and the UTC time the count resets
   * comes back.
   */
  take(
    key: string,
    limit: number,
    now: number,
  ): MaybePromise<{ readonly ok: true } | { readonly ok: false; readonly resetAt: number }>;
  /** Gives back a send that did not happen. */
  giveBack(key: string, now: number): MaybePromise<void>;
}

export interface GmailTransportOptions {
  readonly api: GoogleApi;
  readonly quota: GmailQuota;
  readonly uploadThresholdBytes: number;
  readonly maxMessageBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Google refused the refresh token of the route's link (`key`). */
  readonly onLinkBroken?: (owner: string, reply: string, key: string) => void;
  /** OAuth clients (with their access tokens) kept per link. */
  readonly maxEntries?: number;
  /** One outcome per send (metrics). */
  readonly onOutcome?: (outcome: GmailOutcome) => void;
}

const NEXT_HOP = 'gmail-api';
const DEFAULT_MAX_ENTRIES = 100;

export function createGmailTransport(opts: GmailTransportOptions): Transport {
  const clients = new Map<string, OAuthClient>();

  function clientFor(key: string, account: GmailAccount): OAuthClient {
    const cached = clients.get(key);
    clients.delete(key);
    const client = cached ?? opts.api.client(account.refreshToken);
    clients.set(key, client);
    while (clients.size > (opts.maxEntries ?? DEFAULT_MAX_ENTRIES))
      clients.delete(clients.keys().next().value as string);
    return client;
  }

  /** One send; a 401 drops the access token so the client refreshes it, and tries once more. */
  async function sendOnce(key: string, account: GmailAccount, raw: Buffer): Promise<{ id: string } | GmailFailure> {
    const upload = raw.length > opts.uploadThresholdBytes;
    for (let attempt = 0; ; attempt++) {
      const client = clientFor(key, account);
      try {
        return { id: await opts.api.send(client, raw, upload) };
      } catch (err) {
        const failure = classifyGoogleError(err, opts.clock());
        if (failure.kind !== 'unauthorized' || attempt > 0) return failure;
        client.setCredentials({ refresh_token: account.refreshToken });
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
    const counted = (outcome: GmailOutcome, result: DeliveryResult): DeliveryResult => {
      opts.onOutcome?.(outcome);
      return result;
    };
    if (route.kind !== 'gmail') return all('deferred', Replies.wrongRoute('gmail transport', route.kind));
    const { account } = route;
    const from = fromAddress(raw);
    if (from === undefined || !isSendAs(from, account.aliases))
      return counted('not-send-as', all('deferred', notSendAsReply(from, account.address)));
    const message = withEnvelopeBcc(raw, envelope.to);
    if (message.length > opts.maxMessageBytes)
      return counted(
        'bounced',
        all('bounced', smtpReply(552, '5.3.4', `Message too big for Gmail (at most ${opts.maxMessageBytes} bytes)`)),
      );
    const now = opts.clock();
    const taken = await opts.quota.take(route.key, account.dailyLimit, now);
    if (!taken.ok) {
      const until = new Date(taken.resetAt).toISOString();
      const reply = smtpReply(
        451,
        '4.7.0',
        `Gmail daily limit of ${account.dailyLimit} reached, deferred until ${until}`,
      );
      return counted('daily-limit', all('deferred', reply, taken.resetAt));
    }
    const outcome = await sendOnce(route.key, account, message);
    if ('id' in outcome)
      return counted('sent', all('delivered', smtpReply(250, '2.0.0', `Gmail accepted as ${outcome.id}`)));
    await opts.quota.giveBack(route.key, now);
    if (outcome.kind === 'link-broken') {
      clients.delete(route.key);
      opts.onLinkBroken?.(route.owner, replyLine(outcome.reply), route.key);
    }
    const notBefore =
      outcome.kind === 'defer' && outcome.retryAfterMs !== undefined ? opts.clock() + outcome.retryAfterMs : undefined;
    opts.logger.info(
      { owner: route.owner, outcome: outcome.kind, reply: replyLine(outcome.reply) },
      'gmail send failed',
    );
    const result = all(outcome.kind === 'bounce' ? 'bounced' : 'deferred', outcome.reply, notBefore);
    return counted(
      outcome.kind === 'link-broken' ? 'link-broken' : outcome.kind === 'bounce' ? 'bounced' : 'deferred',
      result,
    );
  }

  return {
    name: 'gmail',
    send,
    async close() {
      clients.clear();
    },
  };
}
