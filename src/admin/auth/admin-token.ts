import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';
import { generateToken } from './api-token.js';
import type { TokenStore } from './token-store.js';

/** An admin token from POSTBODE_ADMIN_TOKEN must be at least this long (a 256-bit token is 43+). */
export const MIN_ENV_ADMIN_TOKEN_LENGTH = 32;

/** The admin token from the environment, kept only as its hash; undefined when not set. */
export interface EnvAdminToken {
  readonly hash: Buffer;
}

export function envAdminToken(value: string | undefined): EnvAdminToken | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length < MIN_ENV_ADMIN_TOKEN_LENGTH) {
    throw new GatewayError(
      'E_CONFIG',
      `POSTBODE_ADMIN_TOKEN is too short (at least ${MIN_ENV_ADMIN_TOKEN_LENGTH} characters)`,
    );
  }
  return { hash: sha256(value) };
}

export function matchesEnvAdmin(presented: string, env: EnvAdminToken): boolean {
  return timingSafeEqual(sha256(presented), env.hash);
}

/**
 * At first start without POSTBODE_ADMIN_TOKEN, generates an admin token, stores its hash
 * and prints it once. The check-and-store is one LMDB write transaction, so when several
 * nodes start at once only one of them creates (and prints) a token.
 */
export async function ensureAdminToken(deps: {
  readonly store: TokenStore;
  readonly env: EnvAdminToken | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
}): Promise<void> {
  if (deps.env) return;
  const now = deps.clock();
  const created = generateToken(now);
  const stored = await deps.store.createFirstAdmin({
    id: created.id,
    kind: 'admin',
    secretHash: created.secretHash,
    createdAt: now,
  });
  if (!stored) return;
  // The one place a secret is ever logged: the generated admin token, at the first start
  // only (never again: only its hash is stored). It is in the message text on purpose, so
  // that the redaction of fields such as `token` does not hide it.
  deps.logger.warn(
    `generated the admin API token (shown only this once; store it now, or set POSTBODE_ADMIN_TOKEN): ${created.token}`,
  );
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
