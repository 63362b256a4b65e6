import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';
import { replyLine, type SmtpReply } from '../../core/smtp-reply.js';
import { GMAIL_SMTP_SCOPE, type GoogleApi, type OAuthClient } from '../../transports/gmail/google-api.js';
import { classifyGoogleError } from '../../transports/gmail/gmail-errors.js';
import type { BrowserBinding } from './browser-binding.js';
import { gmailTokenContext, linkKey, type GmailLink, type GmailStore } from './gmail-store.js';

/**
 * Linking a tenant's Gmail account: the consent URL with a single-use `state` bound to the
 * tenant and, through a signed cookie, to the browser that asked for it; the callback that
 * exchanges the code and stores the refresh token sealed, the status the API shows, unlinking,
 * and the send-as aliases kept fresh (24 h).
 */
export interface GmailLinkDeps {
  readonly store: GmailStore;
  /** Absent when no OAuth client is configured: linking answers 409, status still works. */
  readonly api?: GoogleApi;
  readonly secrets: { seal(plaintext: string, context: string): string; open(sealed: string, context: string): string };
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stateTtlMs: number;
  /** The cookie that ties a flow to the browser that started it. */
  readonly binding: BrowserBinding;
  readonly defaultDailyLimit: number;
  /** Called once a link is stored (mail waiting for it can go now). */
  readonly onLinked?: (tenantId: string) => void;
}

export interface GmailStatus {
  readonly status: 'unlinked' | 'linked' | 'broken';
  readonly address?: string;
  readonly aliases?: string[];
  readonly linkedAt?: number;
  readonly brokenReason?: string;
  /** The link allows an own-SMTP login by XOAUTH2 (Google granted https://mail.google.com/). */
  readonly smtp?: boolean;
  readonly dailyLimit: number;
  readonly sentToday: number;
}

export const ALIASES_MAX_AGE_MS = 24 * 3600_000;
export const NOT_CONFIGURED =
  'Gmail mode is not available on this server: the administrator has not configured a Google OAuth client ' +
  '(config gmail.clientId / gmail.clientSecret)';

export function createGmailLinks(deps: GmailLinkDeps) {
  const api = (): GoogleApi => {
    if (!deps.api) throw new GatewayError('E_CONFLICT', NOT_CONFIGURED);
    return deps.api;
  };
  const limitOf = (link: GmailLink | undefined): number => link?.dailyLimit ?? deps.defaultDailyLimit;
  const refreshToken = (tenantId: string, link: GmailLink): string =>
    deps.secrets.open(link.refreshTokenSealed, gmailTokenContext(tenantId));

  /**
   * Flags the link broken; with `key`, only that link (a send through an old link that fails
   * after the tenant linked again must not flag the new one). Never rejects: a failure to
   * write the flag is logged (the next attempt finds out again).
   */
  async function markBroken(tenantId: string, reason: string, key?: string): Promise<void> {
    deps.logger.warn(
      { tenantId },
      "Gmail link flagged broken (invalid_grant); the tenant's mail is deferred until it is linked again",
    );
    const applies = (l: GmailLink): boolean => !l.broken && (key === undefined || linkKey(tenantId, l) === key);
    await deps.store
      .updateLink(tenantId, (l) => (l && applies(l) ? { ...l, broken: { at: deps.clock(), reason } } : l))
      .catch((err: unknown) => deps.logger.error({ tenantId, err }, 'could not flag the Gmail link broken'));
  }

  /**
   * A relink to another account: the old account's grant is revoked at Google (best effort),
   * so the token Postbode no longer keeps cannot be used by anyone. The same account linked
   * again keeps its grant: Google revokes a grant as a whole, the new token with it.
   */
  async function revokeReplaced(tenantId: string, old: GmailLink): Promise<void> {
    if (!deps.api) return;
    await deps.api
      .revoke(refreshToken(tenantId, old))
      .then(() => deps.logger.info({ tenantId }, 'Gmail grant of the previously linked account revoked'))
      .catch((err: unknown) =>
        deps.logger.warn(
          { tenantId, reason: classifyGoogleError(err, deps.clock()).reply },
          "could not revoke the previously linked Gmail account's grant",
        ),
      );
  }

  async function readAliases(client: OAuthClient, address: string): Promise<string[]> {
    const aliases = await api().sendAs(client);
    return aliases.some((a) => a.toLowerCase() === address.toLowerCase()) ? aliases : [address, ...aliases];
  }

  return {
    available: deps.api !== undefined,
    clearCookie: (): string => deps.binding.clear(),
    markBroken,
    refreshToken,
    limitOf,

    status(tenantId: string): GmailStatus {
      const link = deps.store.link(tenantId);
      const counts = {
        dailyLimit: limitOf(link),
        sentToday: link ? deps.store.quota.sentToday(linkKey(tenantId, link), deps.clock()) : 0,
      };
      if (!link) return { status: 'unlinked', ...counts };
      return {
        status: link.broken ? 'broken' : 'linked',
        address: link.address,
        aliases: [...link.aliases],
        linkedAt: link.linkedAt,
        smtp: link.scopes?.includes(GMAIL_SMTP_SCOPE) === true,
        ...(link.broken ? { brokenReason: link.broken.reason.replace(/^\d{3} \d\.\d{1,3}\.\d{1,3} /, '') } : {}),
        ...counts,
      };
    },

    /**
     * `setCookie` goes on the response to the browser that asked (the settings page's fetch). `smtp` asks Google
     * for SMTP access as well (own-SMTP mode with an XOAUTH2 login), as does a relink of a link that has it.
     */
    async start(
      tenantId: string,
      dailyLimit?: number,
      smtp = false,
    ): Promise<{ consentUrl: string; expiresAt: number; setCookie: string }> {
      const google = api();
      const state = randomBytes(32).toString('base64url');
      const codeVerifier = randomBytes(32).toString('base64url');
      const now = deps.clock();
      const expiresAt = now + deps.stateTtlMs;
      await deps.store.putState(
        state,
        { tenantId, expiresAt, codeVerifier, ...(dailyLimit !== undefined ? { dailyLimit } : {}) },
        now,
      );
      const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
      // A relink keeps SMTP access the link had: without it an own-SMTP login by XOAUTH2 would stop working.
      const keepSmtp = deps.store.link(tenantId)?.scopes?.includes(GMAIL_SMTP_SCOPE) === true;
      return {
        consentUrl: google.consentUrl(state, challenge, smtp || keepSmtp),
        expiresAt,
        setCookie: deps.binding.issue(state, deps.stateTtlMs),
      };
    },

    /**
     * The callback: a state this browser did not start (no or a wrong cookie) is E_INVALID
     * and stays usable for the browser that did; a bad, expired or reused state is E_INVALID;
     * both before Google is asked anything. Linking another account revokes the old one's grant.
     */
    async complete(
      code: string,
      state: string,
      cookieHeader: string | undefined,
    ): Promise<{ tenantId: string; address: string }> {
      const google = api();
      if (!deps.binding.matches(cookieHeader, state)) {
        throw new GatewayError(
          'E_INVALID',
          'this link was started in another browser (or its cookie expired): start linking again from the ' +
            'settings page, in this browser',
        );
      }
      const pending = await deps.store.takeState(state, deps.clock());
      if (!pending)
        throw new GatewayError(
          'E_INVALID',
          'this link request is unknown, expired or was already used: start linking again from the settings page',
        );
      const { refreshToken: token, client, scopes } = await google.exchangeCode(code, pending.codeVerifier);
      const address = await google.address(client);
      const aliases = await readAliases(client, address);
      const now = deps.clock();
      const sealed = deps.secrets.seal(token, gmailTokenContext(pending.tenantId));
      let previous: GmailLink | undefined;
      await deps.store.updateLink(pending.tenantId, (old) => {
        previous = old;
        return {
          address,
          refreshTokenSealed: sealed,
          aliases,
          aliasesAt: now,
          linkedAt: now,
          scopes: [...scopes],
          ...(pending.dailyLimit !== undefined
            ? { dailyLimit: pending.dailyLimit }
            : old?.dailyLimit !== undefined
              ? { dailyLimit: old.dailyLimit }
              : {}),
        };
      });
      deps.logger.info({ tenantId: pending.tenantId, aliases: aliases.length }, 'Gmail account linked');
      if (previous && previous.address.toLowerCase() !== address.toLowerCase())
        await revokeReplaced(pending.tenantId, previous);
      deps.onLinked?.(pending.tenantId);
      return { tenantId: pending.tenantId, address };
    },

    /** Revokes at Google (best effort: a dead token is fine) and forgets the link. */
    async unlink(tenantId: string): Promise<void> {
      const link = deps.store.link(tenantId);
      if (!link) return;
      if (deps.api) {
        await deps.api
          .revoke(refreshToken(tenantId, link))
          .catch((err: unknown) =>
            deps.logger.info(
              { tenantId, reason: classifyGoogleError(err, deps.clock()).reply },
              'Gmail token revoke failed; forgetting the link anyway',
            ),
          );
      }
      await deps.store.updateLink(tenantId, () => undefined);
    },

    /**
     * The link's aliases, read again from Google when older than a day; on failure the cached ones (or broken on
     * invalid_grant).
     */
    async freshAliases(tenantId: string, link: GmailLink): Promise<readonly string[]> {
      const now = deps.clock();
      if (now - link.aliasesAt < ALIASES_MAX_AGE_MS || !deps.api) return link.aliases;
      try {
        const aliases = await readAliases(deps.api.client(refreshToken(tenantId, link)), link.address);
        await deps.store.updateLink(tenantId, (l) =>
          l && l.linkedAt === link.linkedAt ? { ...l, aliases, aliasesAt: now } : l,
        );
        return aliases;
      } catch (err) {
        const failure = classifyGoogleError(err, now);
        if (failure.kind === 'link-broken') {
          await markBroken(tenantId, replyLine(failure.reply), linkKey(tenantId, link));
          throw deferral(failure.reply);
        }
        deps.logger.warn(
          { tenantId, reason: replyLine(failure.reply) },
          'could not refresh the Gmail send-as aliases; using the cached ones',
        );
        return link.aliases;
      }
    },
  };
}

export type GmailLinks = ReturnType<typeof createGmailLinks>;

/**
 * A planning error the delivery attempt turns into a deferral with this reply (src/delivery/attempt.ts
 * temporaryReplyOf).
 */
export function deferral(reply: SmtpReply): GatewayError {
  return new GatewayError('E_DEFERRED', replyLine(reply), { reply });
}
