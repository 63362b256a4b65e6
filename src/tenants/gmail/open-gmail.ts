import type pg from 'pg';
import type { Storage } from '../../store/storage.js';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { GmailOutcome, Metrics } from '../../core/metrics.js';
import type { MessageLog, Transport } from '../../core/types.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { createGmailTransport } from '../../transports/gmail/gmail-transport.js';
import { createGoogleApi, type GoogleApi } from '../../transports/gmail/google-api.js';
import { createBrowserBinding } from './browser-binding.js';
import { createGmailLinks, type GmailLinks } from './gmail-link.js';
import { createGmailPlanner, type GmailPlanner } from './gmail-planner.js';
import { type GmailStore, openGmailStore } from './gmail-store.js';
import { openPgGmailStore } from './pg-gmail-store.js';
import { retryWaitingForLink } from './retry-waiting.js';
import { googleSmtpTokens } from './gmail-smtp-token.js';
import type { OAuthProvider } from '../oauth/access-tokens.js';
import type { TenantDataOwner } from '../tenant-purge.js';

/** The queue side: after a (re-)link, mail that waited only for it is made due and delivery woken. */
export interface GmailQueueHooks {
  readonly messages: Pick<MessageLog, 'list' | 'retryNow'>;
  readonly notify: () => void;
}

/** Everything the composition root wires for Gmail mode. */
export interface GmailParts {
  /** Link status, consent URLs, unlinking: the API routes' side. */
  readonly links: GmailLinks;
  /** For the pipeline; absent when no OAuth client is configured (gmail mode then falls back to forwarding). */
  readonly planner?: GmailPlanner;
  /** For `kind: 'gmail'` routes; absent when not configured. */
  readonly transport?: Transport;
  /** Google as a provider of XOAUTH2 tokens for own-SMTP logins (src/tenants/oauth/); absent when not configured. */
  readonly smtpTokens?: OAuthProvider;
  /** The Google client's URLs (tests assert they are all loopback). */
  readonly google?: GoogleApi;
  /** Added to the sender routes' deps: mode gmail needs a working link (nothing when Gmail mode is unavailable). */
  readonly senderDeps: { readonly gmailLinked?: (tenantId: string) => boolean };
  /** Largest message a tenant may submit at SMTP time: Gmail's limit for a tenant in Gmail mode. */
  maxSizeFor(tenantId: string): number | undefined;
  /**
   * For the purge of deleted tenants: unlink (revoking the token at Google, best effort), then the send counts and open
   * consent flows.
   */
  readonly tenantData: TenantDataOwner;
  close(): Promise<void>;
}

export function callbackUrl(config: Config): string {
  return config.gmail.redirectUrl ?? `${config.http.publicBaseUrl.replace(/\/+$/, '')}/oauth/google/callback`;
}

/** The links on the shared database when there is one (every node sees each link), else on this node's LMDB. */
export async function openGmailStoreOn(
  storage: Storage,
  pool: pg.Pool | undefined,
  logger: Logger,
): Promise<GmailStore> {
  if (!pool) return openGmailStore(storage);
  return await openPgGmailStore(pool, {
    onListenError: (err) => logger.warn({ err }, 'lost the Gmail links listener; reconnecting'),
    onGiveBackError: (err) => logger.warn({ err }, 'could not give back a Gmail send count'),
  });
}

/** `modeOf`: the tenant's chosen sender mode (read per message); `pool`: the shared database, when there is one. */
export async function openGmail(
  storage: Storage,
  config: Config,
  secrets: Pick<SecretBox, 'seal' | 'open' | 'deriveKey'>,
  logger: Logger,
  clock: Clock,
  modeOf: (tenantId: string) => string,
  queue?: GmailQueueHooks,
  metrics?: Pick<Metrics, 'gmail'>,
  pool?: pg.Pool,
): Promise<GmailParts> {
  const g = config.gmail;
  const store = await openGmailStoreOn(storage, pool, logger);
  const google =
    g.clientId !== null && g.clientSecret !== null
      ? await createGoogleApi({
          clientId: g.clientId,
          clientSecret: g.clientSecret,
          redirectUrl: callbackUrl(config),
          authUrl: g.authUrl,
          tokenUrl: g.tokenUrl,
          revokeUrl: g.revokeUrl,
          apiRootUrl: g.apiRootUrl,
          timeoutMs: config.delivery.sendTimeoutMs,
        })
      : undefined;
  const onLinked = queue
    ? (tenantId: string): void => {
        retryWaitingForLink(queue.messages, tenantId, clock(), logger)
          .then((n) => {
            if (n > 0) queue.notify();
          })
          .catch((err: unknown) =>
            logger.error({ tenantId, err }, 'could not retry the mail waiting for the Gmail link'),
          );
      }
    : undefined;
  const links = createGmailLinks({
    store,
    secrets,
    clock,
    logger,
    stateTtlMs: g.stateTtlMs,
    binding: createBrowserBinding(secrets.deriveKey('gmail-link-cookie'), callbackUrl(config).startsWith('https:')),
    defaultDailyLimit: g.defaultDailyLimit,
    ...(google ? { api: google } : {}),
    ...(onLinked ? { onLinked } : {}),
  });
  const transport = google
    ? createGmailTransport({
        api: google,
        quota: store.quota,
        uploadThresholdBytes: g.uploadThresholdBytes,
        maxMessageBytes: g.maxMessageBytes,
        clock,
        logger,
        onLinkBroken: (tenantId, reply, key) => {
          void links.markBroken(tenantId, reply, key);
        },
        ...(metrics?.gmail ? { onOutcome: (outcome: GmailOutcome) => metrics.gmail?.(outcome) } : {}),
      })
    : undefined;
  return {
    links,
    ...(google
      ? {
          google,
          planner: createGmailPlanner(store, links),
          transport,
          smtpTokens: googleSmtpTokens(store, links, google, clock, logger),
        }
      : {}),
    senderDeps: google ? { gmailLinked: (tenantId) => links.status(tenantId).status === 'linked' } : {},
    maxSizeFor: (tenantId) => (google && modeOf(tenantId) === 'gmail' ? g.maxMessageBytes : undefined),
    tenantData: {
      name: 'gmail',
      tenantIds: () => store.tenantIds(),
      async forget(tenantId) {
        const linked = store.link(tenantId) ? 1 : 0;
        await links.unlink(tenantId);
        return linked + (await store.forgetCounts(tenantId));
      },
    },
    async close() {
      await transport?.close();
      await store.close();
    },
  };
}
