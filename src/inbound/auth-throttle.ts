import { ExpiringMap } from './expiring-map.js';

export interface AuthThrottleLimits {
  readonly maxFailuresPerIp: number;
  readonly maxFailuresPerUser: number;
  readonly windowMs: number;
}

interface Window {
  readonly count: number;
  readonly expiresAt: number;
}

/**
 * Counts failed AUTH attempts per client IP and per user name in a fixed window that
 * starts at the first failure. smtp-server has no such limit, so without this a client
 * could try passwords as fast as scrypt allows. Memory is capped (oldest entries go).
 */
export class AuthThrottle {
  private readonly byIp: ExpiringMap<string, Window>;
  private readonly byUser: ExpiringMap<string, Window>;

  constructor(private readonly limits: AuthThrottleLimits, maxEntries = 10_000) {
    this.byIp = new ExpiringMap(maxEntries);
    this.byUser = new ExpiringMap(maxEntries);
  }

  /** Which limit this attempt is over, if any: it is then refused without checking the password. */
  blockedBy(ip: string, username: string, now: number): 'ip' | 'user' | undefined {
    if ((this.byIp.get(ip, now)?.count ?? 0) >= this.limits.maxFailuresPerIp) return 'ip';
    if ((this.byUser.get(userKey(username), now)?.count ?? 0) >= this.limits.maxFailuresPerUser) return 'user';
    return undefined;
  }

  recordFailure(ip: string, username: string, now: number): void {
    this.bump(this.byIp, ip, now);
    this.bump(this.byUser, userKey(username), now);
  }

  private bump(map: ExpiringMap<string, Window>, key: string, now: number): void {
    const current = map.get(key, now);
    const expiresAt = current?.expiresAt ?? now + this.limits.windowMs;
    map.set(key, { count: (current?.count ?? 0) + 1, expiresAt }, expiresAt);
  }
}

/** Case variants of one name count together, so they cannot be used to get more tries. */
function userKey(username: string): string {
  return username.toLowerCase();
}
