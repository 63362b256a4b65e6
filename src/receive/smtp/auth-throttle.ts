import { parseIp } from '../../core/ip-match.js';
import { LocalCounts } from '../../core/local-counts.js';
import type { CountKind, SharedCounts } from '../../core/shared-counts.js';

export interface AuthThrottleLimits {
  /** Failed attempts from one client IP (any user names) inside the window. */
  readonly maxFailuresPerIp: number;
  /** Failed attempts for one user name from one client IP inside the window. */
  readonly maxFailuresPerUser: number;
  readonly windowMs: number;
  /** Backoff: the third failure from an IP waits this long before its reply, each later one twice as long. */
  readonly failureDelayMs: number;
  readonly maxFailureDelayMs: number;
}

/** Failures an IP gets without a delay (typos); backoff starts after these. */
const FREE_FAILURES = 2;

/**
 * Counts failed AUTH attempts per client IP and per (client IP, user name) in a fixed
 * window that starts at the first failure, and says how long to wait before answering a
 * failure (exponential backoff per IP). Nothing is counted per user name alone: failures
 * from one address must never lock the right password out from another, or anyone could
 * lock a tenant out by guessing at its user name. smtp-server has no such limit, so
 * without this a client could try passwords as fast as scrypt allows. Memory is capped
 * (oldest entries go). The counts are SharedCounts: this process's own by default; shared
 * ones make the limits hold across the nodes of a cluster, not N times over.
 */
export class AuthThrottle {
  private readonly byIp: CountKind;
  private readonly byIpUser: CountKind;

  constructor(
    private readonly limits: AuthThrottleLimits,
    maxEntries = 10_000,
    private readonly counts: SharedCounts = new LocalCounts(),
  ) {
    this.byIp = { name: 'auth-ip', windowMs: limits.windowMs, maxKeys: maxEntries };
    this.byIpUser = { name: 'auth-ip-user', windowMs: limits.windowMs, maxKeys: maxEntries };
  }

  /** Which limit this attempt is over, if any: it is then refused without checking the password. */
  blockedBy(ip: string, username: string, now: number): 'ip' | 'user' | undefined {
    if (this.failures(this.byIp, ipKey(ip), now) >= this.limits.maxFailuresPerIp) return 'ip';
    if (this.failures(this.byIpUser, ipUserKey(ip, username), now) >= this.limits.maxFailuresPerUser) return 'user';
    return undefined;
  }

  /** How long to hold back the reply to a failed (or throttled) attempt from `ip`. */
  delayMs(ip: string, now: number): number {
    const excess = this.failures(this.byIp, ipKey(ip), now) - FREE_FAILURES;
    if (excess < 0) return 0;
    return Math.min(this.limits.maxFailureDelayMs, this.limits.failureDelayMs * 2 ** Math.min(excess, 30));
  }

  recordFailure(ip: string, username: string, now: number): void {
    this.bump(this.byIp, ipKey(ip), now);
    this.bump(this.byIpUser, ipUserKey(ip, username), now);
  }

  private failures(kind: CountKind, key: string, now: number): number {
    return this.counts.total(kind, key, now);
  }

  private bump(kind: CountKind, key: string, now: number): void {
    this.counts.add(kind, key, 1, now);
  }
}

/**
 * IPv6 clients are counted per /64: a single host usually has a whole /64 and could
 * otherwise take a fresh address for every guess.
 */
export function ipKey(ip: string): string {
  const bytes = parseIp(ip);
  if (bytes === undefined || bytes.length === 4) return ip;
  return `${Buffer.from(bytes.subarray(0, 8)).toString('hex')}::/64`;
}

/** Case variants of one name count together, so they cannot be used to get more tries. */
function ipUserKey(ip: string, username: string): string {
  return `${ipKey(ip)} ${username.toLowerCase()}`;
}
