import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { HopProblem } from '../transports/smtp/tenant-smtp.js';
import type { SenderSettingsStore } from './sender-settings-store.js';

const PROBLEM_WORDS: Record<HopProblem, string> = {
  'auth-failed': 'the server refused our login',
  'host-not-found': 'the server name was not found',
  'connection-refused': 'the server refused the connection',
  'address-not-allowed': 'the server address is inside the network and not allowed',
  'no-tls-for-login': 'the server offers no TLS, so the password was not sent',
  'token-refused':
    'the server refused the login token of the linked account, also a renewed one (is the login the linked ' +
    'mailbox, and SMTP login allowed for it?)',
  'oauth-not-linked': 'no OAuth login possible',
  'oauth-link-broken': 'the linked account no longer works',
};

/** The relay transport's two reports about a tenant's own server, as `createRelayTransport` takes them. */
export interface OwnServerHealth {
  onHopFailure(tenantId: string, problem: HopProblem, reply: string): void;
  onHopOk(tenantId: string): void;
}

/**
 * A tenant's own SMTP server that refuses our login, or cannot be found or reached, is flagged
 * broken in its sender settings (the settings page says why, in words); its next delivery clears
 * the flag. The write is not awaited: the send it reports on has already ended.
 */
export function ownServerHealth(store: SenderSettingsStore, clock: Clock, logger: Logger): OwnServerHealth {
  return {
    onHopFailure: (tenantId, problem, reply) => markBroken(store, tenantId, problem, reply, clock(), logger),
    onHopOk: (tenantId) => clearBroken(store, tenantId, logger),
  };
}

function markBroken(
  store: SenderSettingsStore,
  tenantId: string,
  problem: HopProblem,
  reply: string,
  now: number,
  logger: Logger,
): void {
  if (store.get(tenantId).broken) return;
  const reason = `${PROBLEM_WORDS[problem]}: ${reply}`;
  logger.warn({ tenantId, problem }, 'own SMTP server settings flagged broken; mail is deferred until they are fixed');
  store
    .update(tenantId, (s) => (s.smtp ? { ...s, broken: { at: now, reason } } : s))
    .catch((err: unknown) => logger.error({ tenantId, err }, 'could not flag sender settings broken'));
}

function clearBroken(store: SenderSettingsStore, tenantId: string, logger: Logger): void {
  if (!store.get(tenantId).broken) return;
  store
    .update(tenantId, (s) => {
      const { broken: _b, ...rest } = s;
      return rest;
    })
    .catch((err: unknown) => logger.error({ tenantId, err }, 'could not clear the broken flag'));
}
