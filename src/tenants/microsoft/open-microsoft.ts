import type { OAuthProvider } from '../oauth/access-tokens.js';
import { microsoftSmtpTokens } from './microsoft-smtp-token.js';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { MailboxOutcome, Metrics } from '../../core/metrics.js';
import { replyLine } from '../../core/smtp-reply.js';
import type { MessageLog, Transport } from '../../core/types.js';
import { retryDeferredWith } from '../../queue/retry-waiting.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import type pg from 'pg';
import type { Storage } from '../../store/storage.js';
import { createGraphApi } from '../../transports/microsoft/graph-api.js';
import { createGraphDrafts } from '../../transports/microsoft/graph-drafts.js';
import { createGraphTransport } from '../../transports/microsoft/graph-transport.js';
import { createIdentityPlatform } from '../../transports/microsoft/identity-platform.js';
import { createTokenSource } from '../../transports/microsoft/token-source.js';
import { createBrowserBinding } from '../gmail/browser-binding.js';
import type { TenantDataOwner } from '../tenant-purge.js';
import { createMicrosoftLinks, type MicrosoftLinks } from './microsoft-link.js';
import {
  createMicrosoftPlanner,
  MICROSOFT_BROKEN_PREFIX,
  MICROSOFT_NOT_LINKED_REPLY,
  type MicrosoftPlanner,
} from './microsoft-planner.js';
import { type MicrosoftStore, openMicrosoftStore } from './microsoft-store.js';
import { openPgMicrosoftStore } from './pg-microsoft-store.js';

/** Everything the composition root wires for Microsoft 365 mode. */
export interface MicrosoftParts {
  readonly links: MicrosoftLinks;
  /** For the pipeline; absent when no Entra app is configured (the mode then falls back to forwarding). */
  readonly planner?: MicrosoftPlanner;
  /** For `kind: 'microsoft365'` routes; absent when not configured. */
  readonly transport?: Transport;
  /** Every Microsoft URL the clients were given (tests assert they are all loopback). */
  readonly urls: readonly string[];
  readonly senderDeps: {
    readonly microsoftLinked?: (tenantId: string) => boolean;
    readonly microsoftSendAs?: (tenantId: string) => readonly string[] | undefined;
  };
  readonly tenantData: TenantDataOwner;
  /**
   * An access token of the tenant's working link for any scope its grant covers (for example
   * `https://outlook.office.com/SMTP.Send` for SMTP XOAUTH2); E_CONFLICT without a working link.
   */
  readonly microsoftAccessToken: (tenantId: string, scopes?: readonly string[]) => Promise<string>;
  /** The provider for own-SMTP XOAUTH2 logins (src/tenants/oauth/); absent when no Entra app is configured. */
  readonly smtpTokens?: OAuthProvider;
  /** Largest message a tenant in Microsoft 365 mode may submit (`microsoft365.maxMessageBytes`). */
  maxSizeFor(tenantId: string): number | undefined;
  close(): Promise<void>;
}

export interface MicrosoftQueueHooks {
  readonly messages: Pick<MessageLog, 'list' | 'retryNow'>;
  readonly notify: () => void;
}

export const MICROSOFT_CALLBACK_PATH = '/oauth/microsoft';

export function microsoftCallbackUrl(config: Config): string {
  return (
    config.microsoft365.redirectUrl ??
    `${config.http.publicBaseUrl.replace(/\/+$/, '')}${MICROSOFT_CALLBACK_PATH}/callback`
  );
}

const WAITING_FOR_LINK = [replyLine(MICROSOFT_NOT_LINKED_REPLY), `451 4.7.0 ${MICROSOFT_BROKEN_PREFIX}`];

/** The links on the shared database when there is one (every node sees each link), else on this node's LMDB. */
export async function openMicrosoftStoreOn(
  storage: Storage,
  pool: pg.Pool | undefined,
  logger: Logger,
): Promise<MicrosoftStore> {
  if (!pool) return openMicrosoftStore(storage);
  return await openPgMicrosoftStore(pool, {
    onListenError: (err) => logger.warn({ err }, 'lost the Microsoft 365 links listener; reconnecting'),
    onGiveBackError: (err) => logger.warn({ err }, 'could not give back a Microsoft 365 recipient count'),
  });
}

export async function openMicrosoft(
  storage: Storage,
  config: Config,
  secrets: Pick<SecretBox, 'seal' | 'open' | 'deriveKey'>,
  logger: Logger,
  clock: Clock,
  modeOf: (tenantId: string) => string,
  queue?: MicrosoftQueueHooks,
  metrics?: Pick<Metrics, 'microsoft365'>,
  pool?: pg.Pool,
): Promise<MicrosoftParts> {
  const m = config.microsoft365;
  const store = await openMicrosoftStoreOn(storage, pool, logger);
  const redirectUrl = microsoftCallbackUrl(config);
  const timeoutMs = config.delivery.sendTimeoutMs;
  const configured = m.clientId !== null && m.clientSecret !== null;
  const identity = configured
    ? createIdentityPlatform({
        clientId: m.clientId as string,
        clientSecret: m.clientSecret as string,
        redirectUrl,
        authorityUrl: m.authorityUrl,
        timeoutMs,
      })
    : undefined;
  const graph = configured ? createGraphApi({ graphUrl: m.graphUrl, timeoutMs }) : undefined;
  // The links keep rotated refresh tokens; the token source is built with a forward reference to them.
  let links: MicrosoftLinks | undefined;
  const tokens = identity
    ? createTokenSource({ identity, clock, onRotated: (key, token) => links?.rotated(key, token) })
    : undefined;
  const onLinked = queue
    ? (tenantId: string): void => {
        retryDeferredWith(queue.messages, tenantId, WAITING_FOR_LINK, clock(), logger)
          .then((n) => (n > 0 ? queue.notify() : undefined))
          .catch((err: unknown) => logger.error({ tenantId, err }, 'could not retry mail waiting for the link'));
      }
    : undefined;
  const made = createMicrosoftLinks({
    store,
    secrets,
    clock,
    logger,
    stateTtlMs: m.stateTtlMs,
    binding: createBrowserBinding(secrets.deriveKey('microsoft-link-cookie'), redirectUrl.startsWith('https:'), {
      name: 'postbode_microsoft_link',
      path: MICROSOFT_CALLBACK_PATH,
    }),
    defaultDailyRecipientLimit: m.defaultDailyRecipientLimit,
    ...(identity && graph && tokens ? { identity, graph, tokens } : {}),
    ...(onLinked ? { onLinked } : {}),
  });
  links = made;
  const transport =
    graph && tokens
      ? createGraphTransport({
          graph,
          drafts: createGraphDrafts(m.graphUrl, timeoutMs),
          tokens,
          quota: store.quota,
          maxRequestBytes: m.maxRequestBytes,
          clock,
          logger,
          onLinkBroken: (tenantId, reply, key) => void made.markBroken(tenantId, reply, key),
          ...(metrics?.microsoft365 ? { onOutcome: (o: MailboxOutcome) => metrics.microsoft365?.(o) } : {}),
        })
      : undefined;
  return {
    links: made,
    ...(transport ? { planner: createMicrosoftPlanner(store, made), transport } : {}),
    urls: [...(identity?.urls ?? []), ...(graph?.urls ?? [])],
    senderDeps: configured
      ? {
          microsoftLinked: (tenantId) => made.status(tenantId).status === 'linked',
          microsoftSendAs: (tenantId) => store.link(tenantId)?.sendAs,
        }
      : {},
    microsoftAccessToken: (tenantId, scopes) => made.accessToken(tenantId, scopes),
    ...(tokens ? { smtpTokens: microsoftSmtpTokens(store, made, clock, logger, (key) => tokens.forget(key)) } : {}),
    maxSizeFor: (tenantId) => (transport && modeOf(tenantId) === 'microsoft365' ? m.maxMessageBytes : undefined),
    tenantData: {
      name: 'microsoft365',
      tenantIds: () => store.tenantIds(),
      async forget(tenantId) {
        const linked = store.link(tenantId) ? 1 : 0;
        await made.unlink(tenantId);
        return linked + (await store.forgetCounts(tenantId));
      },
    },
    async close() {
      await transport?.close();
      await store.close();
    },
  };
}
