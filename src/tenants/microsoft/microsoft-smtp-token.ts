import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { classifyMicrosoftError } from '../../transports/microsoft/microsoft-errors.js';
import { SMTP_SCOPE } from '../../transports/microsoft/identity-platform.js';
import { replyLine } from '../../core/smtp-reply.js';
import type { OAuthProvider, TokenFailure } from '../oauth/access-tokens.js';
import type { MicrosoftLinks } from './microsoft-link.js';
import { microsoftLinkKey, type MicrosoftStore } from './microsoft-store.js';

const NOT_LINKED: TokenFailure = {
  ok: false,
  problem: 'not-linked',
  reason: 'no Microsoft 365 mailbox is linked: link one in the Microsoft 365 section',
};
const BROKEN: TokenFailure = {
  ok: false,
  problem: 'link-broken',
  reason: 'Microsoft refused the stored authorisation (consent revoked, password reset): link the mailbox again',
};

/**
 * The token source caches per scope and refreshes a minute early; the access-token seam only needs
 * to ask it again now and then, so a token is answered as good for this long.
 */
const ANSWERED_LIFETIME_MS = 10 * 60_000;

/**
 * Microsoft 365 as an OAuth provider for the own-SMTP XOAUTH2 login, on top of the tenant's
 * Microsoft 365 link: the same grant as Graph mode (the consent asks for SMTP.Send too), a token for
 * the scope `https://outlook.office.com/SMTP.Send` (one resource per token, so never mixed with
 * Graph's). A refusal is passed on in plain words and does not flag the link: Graph mode may still
 * work when only SMTP is refused (SMTP AUTH switched off for the mailbox, consent given before the
 * scope was asked), and a dead grant is flagged by the next Graph send or test-send.
 */
export function microsoftSmtpTokens(
  store: Pick<MicrosoftStore, 'link'>,
  links: Pick<MicrosoftLinks, 'accessToken'>,
  clock: Clock,
  logger: Logger,
  /** Drops the token source's cached tokens of a link: asked here only when a new token is wanted. */
  forget: (key: string) => void,
): OAuthProvider {
  return {
    link(tenantId) {
      const link = store.link(tenantId);
      if (!link) return NOT_LINKED;
      if (link.broken) return BROKEN;
      return { ok: true, key: microsoftLinkKey(tenantId, link) };
    },
    async refresh(tenantId) {
      const link = store.link(tenantId);
      if (!link) return NOT_LINKED;
      // The seam asks only when its token is missing, old or refused: a cached one would be the same.
      forget(microsoftLinkKey(tenantId, link));
      try {
        const token = await links.accessToken(tenantId, [SMTP_SCOPE]);
        return { ok: true, token, expiresAt: clock() + ANSWERED_LIFETIME_MS };
      } catch (err) {
        const failure = classifyMicrosoftError(err, clock());
        const reason = replyLine(failure.reply);
        if (failure.kind === 'defer') {
          logger.warn({ tenantId, reason }, 'could not get a Microsoft access token for the own SMTP login');
          return { ok: false, problem: 'unavailable', reason: `Microsoft could not be asked just now: ${reason}` };
        }
        return { ok: false, problem: 'link-broken', reason: `Microsoft refused an SMTP login token: ${reason}` };
      }
    },
  };
}
