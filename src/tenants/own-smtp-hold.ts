import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { replyLine, type SmtpReply, smtpReply } from '../core/smtp-reply.js';
import type { MessageLog } from '../core/types.js';
import { deferral } from './gmail/gmail-link.js';
import { smtpSettingsHash, type SenderSettings } from './sender-settings.js';
import { retryDeferredWith } from '../queue/retry-waiting.js';

/**
 * Own-SMTP mode with server settings no test-send has passed yet (the tenant saved a new
 * mailbox password while in the mode): its mail waits, deferred with this reply, instead of
 * leaving through settings nobody has tried or falling back to another From. A passing
 * test-send releases it at once.
 */
export const NEEDS_TEST_REPLY: SmtpReply = smtpReply(
  451,
  '4.7.0',
  'own SMTP server settings changed: waiting for a successful test-send',
);

/** True when the last test-send passed with exactly the current server settings. */
export function ownSmtpTested(settings: SenderSettings): boolean {
  const { smtp, lastTestSend } = settings;
  return smtp !== undefined && lastTestSend?.ok === true && lastTestSend.settingsHash === smtpSettingsHash(smtp);
}

/** Own-SMTP mode whose current server settings have not passed a test-send: mail is held. */
export function ownSmtpNeedsTest(settings: SenderSettings): boolean {
  return settings.mode === 'own-smtp' && settings.smtp !== undefined && !ownSmtpTested(settings);
}

/** Throws the planning deferral (src/delivery/attempt.ts) while the settings need a test. */
export function holdUntilTested(settings: SenderSettings): void {
  if (ownSmtpNeedsTest(settings)) throw deferral(NEEDS_TEST_REPLY);
}

/** After a passing test-send: the tenant's held mail is due now; `notify` wakes the scheduler. */
export function releaseAfterTest(
  log: Pick<MessageLog, 'list' | 'retryNow'>,
  notify: () => void,
  clock: Clock,
  logger: Logger,
): (tenantId: string) => void {
  return (tenantId) => {
    retryDeferredWith(log, tenantId, [replyLine(NEEDS_TEST_REPLY)], clock(), logger)
      .then((n) => {
        if (n > 0) notify();
      })
      .catch((err: unknown) => logger.error({ tenantId, err }, 'could not release the mail waiting for a test-send'));
  };
}
