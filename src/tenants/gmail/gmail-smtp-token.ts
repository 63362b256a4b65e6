import { replyLine } from '../../core/smtp-reply.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { classifyGoogleError } from '../../transports/gmail/gmail-errors.js';
import { GMAIL_SMTP_SCOPE, type GoogleApi } from '../../transports/gmail/google-api.js';
import type { OAuthProvider, TokenFailure } from '../oauth/access-tokens.js';
import type { GmailLinks } from './gmail-link.js';
import { linkKey, type GmailStore } from './gmail-store.js';

const NOT_LINKED: TokenFailure = {
  ok: false,
  problem: 'not-linked',
  reason: 'no Google account is linked: link one in the own SMTP settings',
};
const NO_SMTP_SCOPE: TokenFailure = {
  ok: false,
  problem: 'not-linked',
  reason:
    'the linked Google account was linked without SMTP access: link it again from the own SMTP settings ' +
    '(Google asks for full mail access, which its SMTP server requires)',
};
const BROKEN: TokenFailure = {
  ok: false,
  problem: 'link-broken',
  reason: 'Google refused the stored authorisation (revoked, or the password was changed): link the account again',
};
const UNAVAILABLE: TokenFailure = {
  ok: false,
  problem: 'unavailable',
  reason: 'Google could not be asked for a login token just now; mail is tried again later',
};

/**
 * Google as an OAuth provider for the own-SMTP XOAUTH2 login, on top of the tenant's Gmail link
 * (src/tenants/gmail/): the same account and refresh token as Gmail mode, used only when Google
 * granted https://mail.google.com/. A refused refresh token flags the Gmail link broken, as a
 * Gmail-mode send would.
 */
export function googleSmtpTokens(
  store: Pick<GmailStore, 'link'>,
  links: Pick<GmailLinks, 'refreshToken' | 'markBroken'>,
  api: Pick<GoogleApi, 'accessToken'>,
  clock: Clock,
  logger: Logger,
): OAuthProvider {
  return {
    link(tenantId) {
      const link = store.link(tenantId);
      if (!link) return NOT_LINKED;
      if (link.broken) return BROKEN;
      if (!link.scopes?.includes(GMAIL_SMTP_SCOPE)) return NO_SMTP_SCOPE;
      return { ok: true, key: linkKey(tenantId, link) };
    },
    async refresh(tenantId) {
      const link = store.link(tenantId);
      if (!link) return NOT_LINKED;
      try {
        return { ok: true, ...(await api.accessToken(links.refreshToken(tenantId, link))) };
      } catch (err) {
        const failure = classifyGoogleError(err, clock());
        const reason = replyLine(failure.reply);
        if (failure.kind === 'link-broken') {
          await links.markBroken(tenantId, reason, linkKey(tenantId, link));
          return BROKEN;
        }
        logger.warn({ tenantId, reason }, 'could not get a Google access token for the own SMTP login');
        return UNAVAILABLE;
      }
    },
  };
}
