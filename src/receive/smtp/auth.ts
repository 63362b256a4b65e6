import type { Clock } from '../../core/clock.js';
import { Replies, type SmtpReply } from '../../core/smtp-reply.js';
import type { Tenant, TenantDirectory } from '../../core/types.js';
import type { AuthCache } from './auth-cache.js';
import type { AuthThrottle } from './auth-throttle.js';

/** `verifyPassword` from tenants/password.ts; injectable so tests can count scrypt runs. */
export type PasswordVerifier = (password: string, storedHash: string) => Promise<boolean>;

export interface AuthAttempt {
  readonly username: string;
  /** AUTH PLAIN's authorisation identity (RFC 4616); empty or absent means "the login itself". */
  readonly authzid?: string;
  readonly password: string;
  /** Normalised client IP. */
  readonly ip: string;
  /** TLS is active on the connection (STARTTLS done, or implicit TLS). */
  readonly secure: boolean;
  /** Failed attempts so far on this connection. */
  readonly failuresOnConnection: number;
}

export type AuthOutcome =
  | { readonly kind: 'ok'; readonly tenant: Tenant; readonly cached: boolean }
  | {
      readonly kind: 'refuse';
      readonly reply: SmtpReply;
      /** Metrics label. */
      readonly reason: string;
      /** Counts as a failed attempt (the caller adds one to the connection's count). */
      readonly failure: boolean;
    };

export interface AuthDeps {
  readonly tenants: TenantDirectory;
  readonly verify: PasswordVerifier;
  readonly cache: AuthCache;
  readonly throttle: AuthThrottle;
  readonly maxFailuresPerConnection: number;
  readonly clock: Clock;
  /** Waits before a failure is answered (backoff); injectable so unit tests need not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Unknown user names are checked against this hash of a random, discarded password, so
 * that they take as long as known ones and the reply time does not reveal which exist.
 */
const DUMMY_HASH = 'scrypt$32768$8$1$15OGa8WUtlCdEDE3Uus6Eg==$P+fCdtSSY33tbM0/ZX5f3txvkHEPoSuAuDAPiee7yXY=';

/** Checks SMTP AUTH credentials against the tenant directory, with throttling and a cache. */
export function createAuthenticator(deps: AuthDeps): (attempt: AuthAttempt) => Promise<AuthOutcome> {
  const sleep = deps.sleep ?? realSleep;
  /**
   * Every refusal, throttled or not, known user or not, waits the same backoff and gives the
   * same 535: the reply and its timing never tell whether a name exists or is being throttled.
   */
  const refuse = async (
    attempt: AuthAttempt,
    reply: SmtpReply,
    reason: string,
    count: boolean,
  ): Promise<AuthOutcome> => {
    const delay = deps.throttle.delayMs(attempt.ip, deps.clock());
    if (count) deps.throttle.recordFailure(attempt.ip, attempt.username, deps.clock());
    if (delay > 0) await sleep(delay);
    const last = attempt.failuresOnConnection + 1 >= deps.maxFailuresPerConnection;
    return { kind: 'refuse', reply: last ? Replies.authThrottled() : reply, reason, failure: true };
  };
  const fail = (attempt: AuthAttempt, reply: SmtpReply, reason: string): Promise<AuthOutcome> =>
    refuse(attempt, reply, reason, true);

  return async (attempt) => {
    const blocked = deps.throttle.blockedBy(attempt.ip, attempt.username, deps.clock());
    if (blocked) return refuse(attempt, Replies.authFailed(), `auth-throttled-${blocked}`, false);
    // RFC 4616: acting as another identity needs a right we never grant, so any other authzid fails.
    if (attempt.authzid && attempt.authzid !== attempt.username)
      return fail(attempt, Replies.authFailed(), 'auth-authzid');
    const tenant = await deps.tenants.bySmtpUsername(attempt.username);
    // Same answer for unknown users and for tenants that require TLS: no user enumeration in the clear.
    if (!attempt.secure && !tenant?.allowPlaintextAuth)
      return fail(attempt, Replies.encryptionRequired(), 'auth-encryption');
    if (tenant && deps.cache.has(attempt.username, attempt.password, tenant, deps.clock())) {
      return { kind: 'ok', tenant, cached: true };
    }
    if (!tenant) {
      await deps.verify(attempt.password, DUMMY_HASH);
      return fail(attempt, Replies.authFailed(), 'auth');
    }
    const valid = await deps.cache.verifyShared(attempt.username, attempt.password, tenant, () =>
      deps.verify(attempt.password, tenant.smtpPasswordHash),
    );
    if (!valid) return fail(attempt, Replies.authFailed(), 'auth');
    deps.cache.remember(attempt.username, attempt.password, tenant, deps.clock());
    return { kind: 'ok', tenant, cached: false };
  };
}
