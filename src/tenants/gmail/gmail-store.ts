import { createHash } from 'node:crypto';
import type { Database } from 'lmdb';
import type { MaybePromise } from '../../core/types.js';
import type { Storage } from '../../store/storage.js';
import type { GmailQuota } from '../../transports/gmail/gmail-transport.js';

/**
 * Gmail links per tenant, the pending consent flows (OAuth `state`) and the daily send
 * counts per link, in their own named databases (`gmail/…` in the storage). Read per message (µs).
 */
export interface GmailLink {
  /** The linked account's own address (users.getProfile). */
  readonly address: string;
  /** SecretBox, context gmailTokenContext(tenantId). */
  readonly refreshTokenSealed: string;
  /** Verified send-as addresses (the account's own included) and when they were read. */
  readonly aliases: readonly string[];
  readonly aliasesAt: number;
  readonly linkedAt: number;
  /** Messages per UTC day; the config default when unset. */
  readonly dailyLimit?: number;
  /** The scopes Google granted (token response); unset on links made before they were kept. */
  readonly scopes?: readonly string[];
  /** Google refused the refresh token (invalid_grant): the tenant must link again. */
  readonly broken?: { readonly at: number; readonly reason: string };
}

/** A consent flow in progress: which tenant it binds, until when. */
export interface PendingLink {
  readonly tenantId: string;
  readonly expiresAt: number;
  /** PKCE (RFC 7636): the code is worth nothing without it, and it never left this server. */
  readonly codeVerifier: string;
  readonly dailyLimit?: number;
}

export interface GmailStore {
  link(tenantId: string): GmailLink | undefined;
  /** Replaces the link in one transaction; `change` returning undefined removes it. */
  updateLink(
    tenantId: string,
    change: (current: GmailLink | undefined) => GmailLink | undefined,
  ): Promise<GmailLink | undefined>;
  /** Stores a new flow; flows expired at `now` are dropped on the way (abandoned consent screens). */
  putState(state: string, pending: PendingLink, now: number): Promise<void>;
  /**
   * The pending flow of `state`, removed in the same transaction (a state works once); undefined when unknown or
   * expired.
   */
  takeState(state: string, now: number): Promise<PendingLink | undefined>;
  readonly quota: GmailQuota & { sentToday(key: string, now: number): number };
  /** Tenants with a link, daily send counts or a consent flow in progress (the tenant purge looks for deleted ones). */
  tenantIds(): MaybePromise<Iterable<string>>;
  /**
   * Drops the tenant's send counts and consent flows (not the link: GmailLinks.unlink revokes it first); how many keys.
   */
  forgetCounts(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

export function gmailTokenContext(tenantId: string): string {
  return `tenant:${tenantId}:gmail-refresh-token`;
}

/** Names one link (a new link starts a new count and new cached access tokens). */
export function linkKey(tenantId: string, link: Pick<GmailLink, 'linkedAt'>): string {
  return `${tenantId}:${link.linkedAt}`;
}

const DAY_MS = 24 * 3600_000;

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function nextUtcMidnight(now: number): number {
  return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
}

/** States are stored by hash: the database never holds a usable one. */
function stateKey(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

export function openGmailStore(storage: Storage): GmailStore {
  const root = storage.open('gmail');
  const links: Database<GmailLink, string> = root.openDB({ name: 'gmail-links', encoding: 'json' });
  const states: Database<PendingLink, string> = root.openDB({ name: 'gmail-states', encoding: 'json' });
  const counts: Database<number, string> = root.openDB({ name: 'gmail-sent-per-day', encoding: 'json' });
  const countKey = (key: string, now: number): string => `${key}@${utcDay(now)}`;

  return {
    link: (tenantId) => links.get(tenantId),
    async updateLink(tenantId, change) {
      return await root.childTransaction(() => {
        const next = change(links.get(tenantId));
        if (next === undefined) links.removeSync(tenantId);
        else links.putSync(tenantId, next);
        return next;
      });
    },
    async putState(state, pending, now) {
      await root.childTransaction(() => {
        for (const { key, value } of states.getRange()) if (value.expiresAt <= now) states.removeSync(key);
        states.putSync(stateKey(state), pending);
      });
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
      take(key, limit, now) {
        return root.transactionSync(() => {
          const k = countKey(key, now);
          const sent = counts.get(k) ?? 0;
          if (sent >= limit) return { ok: false as const, resetAt: nextUtcMidnight(now) };
          counts.putSync(k, sent + 1);
          return { ok: true as const };
        });
      },
      giveBack(key, now) {
        root.transactionSync(() => {
          const k = countKey(key, now);
          const sent = counts.get(k) ?? 0;
          if (sent > 0) counts.putSync(k, sent - 1);
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
