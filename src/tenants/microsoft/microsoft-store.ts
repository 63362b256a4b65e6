import { createHash } from 'node:crypto';
import type { Database } from 'lmdb';
import type { MaybePromise } from '../../core/types.js';
import type { Storage } from '../../store/storage.js';
import { toStorageError } from '../../store/storage-errors.js';
import type { RecipientQuota } from '../../transports/microsoft/graph-transport.js';
import { nextUtcMidnight, utcDay } from '../gmail/gmail-store.js';

/**
 * Microsoft 365 links per tenant, the pending consent flows (OAuth `state`, with the PKCE
 * verifier) and the recipients sent per link and UTC day, in their own named databases
 * (`microsoft/…` in the storage). Read per message (µs).
 */
export interface MicrosoftLink {
  /** The mailbox's primary address (Graph /me mail, else userPrincipalName). */
  readonly address: string;
  /** Graph user id: sendMail goes to /users/{userId}. */
  readonly userId: string;
  /** SecretBox, context microsoftTokenContext(tenantId); replaced when Microsoft rotates it. */
  readonly refreshTokenSealed: string;
  /** The mailbox's address and SMTP proxy addresses, read at link time: the Froms it may send as. */
  readonly sendAs: readonly string[];
  readonly linkedAt: number;
  /** Recipients per UTC day; the config default when unset. */
  readonly dailyRecipientLimit?: number;
  /** Microsoft refused the grant (invalid_grant, 403): the tenant must link again. */
  readonly broken?: { readonly at: number; readonly reason: string };
}

export interface PendingMicrosoftLink {
  readonly tenantId: string;
  readonly expiresAt: number;
  /** PKCE (RFC 7636): never left this server. */
  readonly codeVerifier: string;
  readonly dailyRecipientLimit?: number;
}

export interface MicrosoftStore {
  link(tenantId: string): MicrosoftLink | undefined;
  updateLink(
    tenantId: string,
    change: (current: MicrosoftLink | undefined) => MicrosoftLink | undefined,
  ): Promise<MicrosoftLink | undefined>;
  putState(state: string, pending: PendingMicrosoftLink, now: number): Promise<void>;
  /** The pending flow, removed in the same transaction (works once); undefined when unknown or expired. */
  takeState(state: string, now: number): Promise<PendingMicrosoftLink | undefined>;
  readonly quota: RecipientQuota & { sentToday(key: string, now: number): number };
  tenantIds(): MaybePromise<Iterable<string>>;
  forgetCounts(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

export function microsoftTokenContext(tenantId: string): string {
  return `tenant:${tenantId}:microsoft-refresh-token`;
}

/** Names one link (a new link starts a new count and new cached access tokens). */
export function microsoftLinkKey(tenantId: string, link: Pick<MicrosoftLink, 'linkedAt'>): string {
  return `${tenantId}:${link.linkedAt}`;
}

function stateKey(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

export function openMicrosoftStore(storage: Storage): MicrosoftStore {
  const root = storage.open('microsoft');
  const links: Database<MicrosoftLink, string> = root.openDB({ name: 'microsoft-links', encoding: 'json' });
  const states: Database<PendingMicrosoftLink, string> = root.openDB({ name: 'microsoft-states', encoding: 'json' });
  const counts: Database<number, string> = root.openDB({ name: 'microsoft-recipients-per-day', encoding: 'json' });
  const countKey = (key: string, now: number): string => `${key}@${utcDay(now)}`;

  return {
    link: (tenantId) => links.get(tenantId),
    async updateLink(tenantId, change) {
      try {
        return await root.childTransaction(() => {
          const next = change(links.get(tenantId));
          if (next === undefined) links.removeSync(tenantId);
          else links.putSync(tenantId, next);
          return next;
        });
      } catch (err) {
        // A full disk is E_STORAGE_FULL: the callback page says so instead of blaming Microsoft.
        throw await toStorageError(err, 'storing the Microsoft 365 link');
      }
    },
    async putState(state, pending, now) {
      try {
        await root.childTransaction(() => {
          for (const { key, value } of states.getRange()) if (value.expiresAt <= now) states.removeSync(key);
          states.putSync(stateKey(state), pending);
        });
      } catch (err) {
        throw await toStorageError(err, 'storing a Microsoft 365 sign-in');
      }
    },
    async takeState(state, now) {
      return root.transactionSync(() => {
        const key = stateKey(state);
        const pending = states.get(key);
        if (pending !== undefined) states.removeSync(key);
        return pending !== undefined && pending.expiresAt > now ? pending : undefined;
      });
    },
    quota: {
      take(key, count, limit, now) {
        return root.transactionSync(() => {
          const k = countKey(key, now);
          const used = counts.get(k) ?? 0;
          if (used + count > limit) return { ok: false as const, resetAt: nextUtcMidnight(now), used };
          counts.putSync(k, used + count);
          return { ok: true as const };
        });
      },
      giveBack(key, count, now) {
        root.transactionSync(() => {
          const k = countKey(key, now);
          counts.putSync(k, Math.max(0, (counts.get(k) ?? 0) - count));
        });
      },
      sentToday: (key, now) => counts.get(countKey(key, now)) ?? 0,
    },
    tenantIds() {
      const ids = new Set<string>(links.getKeys());
      for (const key of counts.getKeys()) ids.add(key.slice(0, key.indexOf(':')));
      for (const { value } of states.getRange()) ids.add(value.tenantId);
      return ids;
    },
    async forgetCounts(tenantId) {
      return await root.childTransaction(() => {
        let removed = 0;
        // Count keys are `<tenantId>:<linkedAt>@<day>`; ';' sorts right after ':'.
        for (const key of counts.getKeys({ start: `${tenantId}:`, end: `${tenantId};` })) {
          counts.removeSync(key);
          removed += 1;
        }
        for (const { key, value } of states.getRange())
          if (value.tenantId === tenantId) {
            states.removeSync(key);
            removed += 1;
          }
        return removed;
      });
    },
    async close() {
      await root.close();
    },
  };
}
