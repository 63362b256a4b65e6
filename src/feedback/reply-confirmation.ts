import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { newQueueId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { replyLine, type SmtpReply, smtpReply } from '../core/smtp-reply.js';
import type { MessageLog, MessageQueue } from '../core/types.js';
import { retryDeferredWith } from '../queue/retry-waiting.js';
import { confirmationMail } from './reply-confirmation-mail.js';
import type { ReplyTarget } from './mx-records.js';
import type { ReplyTargets } from './reply-targets.js';

export type { ReplyTarget } from './mx-records.js';

/** A forwarded reply waits (deferred, retried) while its target is unconfirmed; confirming releases it at once. */
export const AWAITING_CONFIRMATION_REPLY: SmtpReply = smtpReply(
  451,
  '4.7.1',
  'reply address awaiting confirmation: the tenant must confirm it through the link mailed to it',
);

export interface ReplyConfirmationLimits {
  /** How long a link works. */
  readonly linkTtlMs: number;
  /** At most this many confirmation mails per tenant per day ... */
  readonly perDay: number;
  /** ... and at least this long apart. */
  readonly minIntervalMs: number;
}

export const DEFAULT_REPLY_CONFIRMATION_LIMITS: ReplyConfirmationLimits = {
  linkTtlMs: 7 * 24 * 3600_000,
  perDay: 5,
  minIntervalMs: 60_000,
};

export interface ReplyConfirmationDeps {
  readonly targets: ReplyTargets;
  readonly queue: MessageQueue & Pick<MessageLog, 'list' | 'retryNow'>;
  /** The tenant verified the domain (active in the domain store): its addresses count as confirmed. */
  readonly domainVerified: (domain: string, tenantId: string) => boolean | Promise<boolean>;
  readonly tenantName: (tenantId: string) => Promise<string | undefined>;
  /** `${http.publicBaseUrl}/reply-address/confirm`. */
  readonly confirmUrl: string;
  readonly hostname: string;
  /** The From of the confirmation mail (the mail system's address). */
  readonly from: string;
  readonly limits?: ReplyConfirmationLimits;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Delivery wakes up on this (a confirmation mail was queued, held replies may go). */
  readonly onQueued: () => void;
}

export type RequestOutcome =
  | { readonly kind: 'confirmed' }
  | { readonly kind: 'sent'; readonly expiresAt: number }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number };

const DAY_MS = 24 * 3600_000;
const TOKEN = /^([0-9A-Z]{26})\.([A-Za-z0-9_-]{43})$/;

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * A reply-forwarding target is used only once its owner agreed: Postbode mails a one-time
 * link (stored hashed, single use, expiring) to the address; until it is confirmed replies
 * are held (deferred in the queue, see mx-plan.ts) and released at confirmation. An
 * address on a domain the tenant verified counts as confirmed. A new address starts over.
 */
export function createReplyConfirmation(deps: ReplyConfirmationDeps) {
  const limits = deps.limits ?? DEFAULT_REPLY_CONFIRMATION_LIMITS;

  async function isConfirmed(tenantId: string, address: string): Promise<boolean> {
    const target = await deps.targets.read(tenantId);
    if (target?.address === address.toLowerCase() && target.confirmedAt !== undefined) return true;
    return deps.domainVerified(domainOf(address), tenantId);
  }

  function waitMs(target: ReplyTarget | undefined, now: number): number {
    const recent = (target?.sends ?? []).filter((t) => t > now - DAY_MS);
    const last = recent.at(-1);
    const spacing = last === undefined ? 0 : last + limits.minIntervalMs - now;
    const daily = recent.length < limits.perDay ? 0 : recent[recent.length - limits.perDay]! + DAY_MS - now;
    return Math.max(0, spacing, daily);
  }

  async function send(
    tenantId: string,
    address: string,
    previous: ReplyTarget | undefined,
    now: number,
  ): Promise<RequestOutcome> {
    const wait = waitMs(previous, now);
    const sends = (previous?.sends ?? []).filter((t) => t > now - DAY_MS);
    if (wait > 0) {
      // A new address starts over even without a mail; the same one keeps its pending link.
      if (previous?.address !== address) await deps.targets.put(tenantId, { address, sends });
      return { kind: 'rate-limited', retryAfterMs: wait };
    }
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = now + limits.linkTtlMs;
    await deps.targets.put(tenantId, { address, tokenHash: hashOf(secret), expiresAt, sends: [...sends, now] });
    const id = newQueueId(now);
    const raw = confirmationMail({
      id,
      to: address,
      from: deps.from,
      hostname: deps.hostname,
      tenantName: (await deps.tenantName(tenantId)) ?? 'a Postbode sender',
      link: `${deps.confirmUrl}?token=${tenantId}.${secret}`,
      expiresAt,
      now,
    });
    // kind dsn: a message of the mail system (null sender, never answered by another DSN).
    await deps.queue.enqueue(
      {
        id,
        tenantId,
        kind: 'dsn',
        envelope: { from: '', to: [address] },
        receivedAt: now,
        client: { address: '127.0.0.1', helo: deps.hostname },
        messageId: `<${id.toLowerCase()}.reply-address@${deps.hostname}>`,
        subject: 'Confirm that replies may be forwarded to this address',
      },
      raw,
    );
    deps.logger.info({ tenantId, queueId: id }, 'reply address confirmation mailed');
    deps.onQueued();
    return { kind: 'sent', expiresAt };
  }

  /** The tenant a link names (checked by `pending`). */
  function tenantOf(token: string): string | undefined {
    return TOKEN.exec(token)?.[1];
  }

  /** The secret half checked against the stored hash; the target when it is the pending link. */
  function pending(
    token: string,
    target: ReplyTarget | undefined,
    now: number,
  ): { tenantId: string; target: ReplyTarget } | undefined {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, tenantId = '', secret = ''] = match;
    if (!target?.tokenHash || target.expiresAt === undefined || target.expiresAt <= now) return undefined;
    const equal = timingSafeEqual(Buffer.from(hashOf(secret), 'hex'), Buffer.from(target.tokenHash, 'hex'));
    return equal ? { tenantId, target } : undefined;
  }

  /** Held replies to this address go now (they were deferred while it was unconfirmed). */
  async function releaseHeld(tenantId: string, address: string, now: number): Promise<void> {
    const released = await retryDeferredWith(
      deps.queue,
      tenantId,
      [replyLine(AWAITING_CONFIRMATION_REPLY)],
      now,
      deps.logger,
      address,
    );
    if (released > 0) deps.onQueued();
  }

  return {
    isConfirmed,

    /** For the API: undefined without a reply address. */
    async status(tenantId: string, replyTo: string | undefined): Promise<boolean | undefined> {
      return replyTo === undefined ? undefined : isConfirmed(tenantId, replyTo);
    },

    /**
     * After the settings were saved: a new address (or none) starts over and, unless it is
     * confirmed already, gets a link (within the mail limit). The same address again: nothing.
     */
    async onReplyToSaved(tenantId: string, replyTo: string | undefined): Promise<void> {
      const previous = await deps.targets.read(tenantId);
      if (replyTo === undefined) {
        if (previous) await deps.targets.put(tenantId, { address: '', sends: previous.sends });
        return;
      }
      const address = replyTo.toLowerCase();
      if (previous?.address === address) return;
      if (await deps.domainVerified(domainOf(address), tenantId)) {
        await deps.targets.put(tenantId, { address, confirmedAt: deps.clock(), sends: previous?.sends ?? [] });
        return;
      }
      const outcome = await send(tenantId, address, previous, deps.clock());
      if (outcome.kind === 'rate-limited')
        deps.logger.info(
          { tenantId },
          'reply address saved; confirmation mail limit reached, the tenant can resend later',
        );
    },

    /** The resend button: a new link (the old one stops working), within the limit. */
    async resend(tenantId: string, replyTo: string): Promise<RequestOutcome> {
      if (await isConfirmed(tenantId, replyTo)) return { kind: 'confirmed' };
      return send(tenantId, replyTo.toLowerCase(), await deps.targets.read(tenantId), deps.clock());
    },

    /** The address a still-valid link is for (the page shows it before the button); never consumes it. */
    addressOf(token: string): string | undefined {
      const tenantId = tenantOf(token);
      return tenantId === undefined
        ? undefined
        : pending(token, deps.targets.get(tenantId), deps.clock())?.target.address;
    },

    /** The button: single use. Undefined for an unknown, used or expired link. */
    async confirm(token: string): Promise<{ tenantId: string; address: string } | undefined> {
      const now = deps.clock();
      const linked = tenantOf(token);
      const found = linked === undefined ? undefined : pending(token, await deps.targets.read(linked), now);
      if (!found) return undefined;
      const { tenantId, target } = found;
      const confirmed = { address: target.address, confirmedAt: now, sends: target.sends };
      const applied = await deps.targets.putIfLink(tenantId, target.tokenHash ?? '', confirmed);
      if (!applied) return undefined;
      deps.logger.info({ tenantId }, 'reply address confirmed');
      await releaseHeld(tenantId, target.address, now);
      return { tenantId, address: target.address };
    },
  };
}

export type ReplyConfirmation = ReturnType<typeof createReplyConfirmation>;
