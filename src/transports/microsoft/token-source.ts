import type { Clock } from '../../core/clock.js';
import type { IdentityPlatform } from './identity-platform.js';

/**
 * Access tokens for linked Microsoft accounts, by link key and scope set, refreshed from the
 * link's refresh token when missing or about to expire. Reusable for any scope the grant covers
 * (Graph Mail.Send here; `https://outlook.office.com/SMTP.Send` for SMTP XOAUTH2). Microsoft
 * rotates refresh tokens: a new one is kept for the key and handed to `onRotated` to be sealed
 * at rest, so the link outlives the old token's 90 days.
 */
export interface TokenSource {
  accessToken(key: string, refreshToken: string, scopes: readonly string[]): Promise<string>;
  /** Drops the key's cached tokens (a 401, a broken or removed link). */
  forget(key: string): void;
}

export interface TokenSourceOptions {
  readonly identity: IdentityPlatform;
  readonly clock: Clock;
  readonly onRotated?: (key: string, refreshToken: string) => void;
  /** Links kept in memory (least recently used go first). */
  readonly maxEntries?: number;
}

/** Refresh a little early: the token must still be good when Graph reads it. */
const EARLY_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 200;

interface Entry {
  refreshToken?: string;
  readonly access: Map<string, { readonly token: string; readonly expiresAt: number }>;
  readonly inflight: Map<string, Promise<string>>;
}

export function createTokenSource(opts: TokenSourceOptions): TokenSource {
  const entries = new Map<string, Entry>();

  function entryFor(key: string): Entry {
    const entry = entries.get(key) ?? { access: new Map(), inflight: new Map() };
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > (opts.maxEntries ?? DEFAULT_MAX_ENTRIES))
      entries.delete(entries.keys().next().value as string);
    return entry;
  }

  async function refresh(key: string, entry: Entry, given: string, scopes: readonly string[], scopeKey: string) {
    const set = await opts.identity.refresh(entry.refreshToken ?? given, scopes, opts.clock());
    entry.access.set(scopeKey, { token: set.accessToken, expiresAt: set.expiresAt });
    if (set.refreshToken !== undefined && set.refreshToken !== (entry.refreshToken ?? given)) {
      entry.refreshToken = set.refreshToken;
      opts.onRotated?.(key, set.refreshToken);
    }
    return set.accessToken;
  }

  return {
    accessToken(key, refreshToken, scopes) {
      const entry = entryFor(key);
      const scopeKey = [...scopes].sort().join(' ');
      const cached = entry.access.get(scopeKey);
      if (cached && cached.expiresAt - EARLY_MS > opts.clock()) return Promise.resolve(cached.token);
      const running = entry.inflight.get(scopeKey);
      if (running) return running;
      const next = refresh(key, entry, refreshToken, scopes, scopeKey).finally(() => entry.inflight.delete(scopeKey));
      entry.inflight.set(scopeKey, next);
      return next;
    },
    forget(key) {
      entries.delete(key);
    },
  };
}
