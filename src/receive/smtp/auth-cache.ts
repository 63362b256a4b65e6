import { createHmac, randomBytes } from 'node:crypto';
import { ExpiringMap } from './expiring-map.js';

/** The tenant fields a cached verification is bound to. */
export interface CredentialOwner {
  readonly id: string;
  readonly credentialsVersion: number;
}

/**
 * Remembers recent successful password checks so that a client that opens a connection
 * per message (common, and what the benchmarks do) pays the ~50 ms scrypt once per TTL.
 * Keys are an HMAC under a random per-process key of user name, password, tenant id and
 * credentials version: the plaintext is never stored, and a password change (which bumps
 * the version) invalidates the entry at once.
 */
export class AuthCache {
  private readonly secret = randomBytes(32);
  private readonly entries: ExpiringMap<string, true>;
  /** Checks under way, so that 50 clients connecting at once with the same login share one scrypt. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly ttlMs: number,
    maxEntries = 10_000,
  ) {
    this.entries = new ExpiringMap(maxEntries);
  }

  has(username: string, password: string, owner: CredentialOwner, now: number): boolean {
    return this.ttlMs > 0 && this.entries.get(this.key(username, password, owner), now) === true;
  }

  remember(username: string, password: string, owner: CredentialOwner, now: number): void {
    if (this.ttlMs > 0) this.entries.set(this.key(username, password, owner), true, now + this.ttlMs);
  }

  /**
   * Runs `verify` once for concurrent attempts with identical credentials: the others wait
   * for the same answer. The entry goes when the check settles (a wrong password is not cached).
   */
  verifyShared(
    username: string,
    password: string,
    owner: CredentialOwner,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    const key = this.key(username, password, owner);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const check = verify().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, check);
    return check;
  }

  private key(username: string, password: string, owner: CredentialOwner): string {
    // JSON keeps the fields apart: ("ab","c") and ("a","bc") cannot collide.
    const material = JSON.stringify([username, password, owner.id, owner.credentialsVersion]);
    return createHmac('sha256', this.secret).update(material).digest('base64');
  }
}
