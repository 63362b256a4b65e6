import type { Logger } from '../../core/logger.js';
import { isPermanent, Replies, replyLine, type SmtpReply } from '../../core/smtp-reply.js';
import type { DeliveryResult, Envelope, RecipientResult, RelayHop, Route, Transport } from '../../core/types.js';
import { createClosingCache } from './closing-cache.js';
import { NO_TLS_FOR_AUTH } from './client/handshake.js';
import type { AccessTokenSource } from '../../core/access-token.js';
import { xoauth2Sender } from './xoauth2-hop.js';
import type { TenantHopConfig } from './tenant-hop.js';

/**
 * Delivery through next hops named by the route (`kind: 'relay'`), e.g. a tenant's own SMTP
 * server. It knows nothing of tenants: it keeps a bounded cache of smarthost transports keyed
 * by the route's `key` (a hash of the hop settings; an evicted one is closed), and reports a
 * failure of the hop itself (login refused, host unknown or refusing) to `onHopFailure` with
 * the route's opaque `owner`, as a deferral: a typo in the settings must not bounce mail.
 */
export type HopProblem =
  | 'auth-failed'
  | 'host-not-found'
  | 'connection-refused'
  | 'address-not-allowed'
  | 'no-tls-for-login'
  /** XOAUTH2: the server refused the token, also after one renewal. */
  | 'token-refused'
  /** XOAUTH2: the owner has no link that gives a token (or the server does not offer the provider). */
  | 'oauth-not-linked'
  /** XOAUTH2: the provider refused the stored refresh token; the owner must link again. */
  | 'oauth-link-broken';

export interface RelayTransportOptions {
  readonly create: (hop: TenantHopConfig) => Transport;
  readonly maxEntries?: number;
  readonly logger: Logger;
  readonly onHopFailure?: (owner: string, problem: HopProblem, reply: string) => void;
  readonly onHopOk?: (owner: string) => void;
  /** Tokens for hops that log in by XOAUTH2 (`hop.oauth2`); without it such a hop is deferred as not linked. */
  readonly accessTokens?: AccessTokenSource;
}

const DEFAULT_MAX_ENTRIES = 50;

export function hopConfig(hop: RelayHop): TenantHopConfig {
  return {
    host: hop.host,
    port: hop.port,
    tls: hop.tls,
    rejectUnauthorized: hop.rejectUnauthorized,
    maxConnections: 2,
    ...(hop.user !== undefined ? { user: hop.user, pass: hop.pass ?? '' } : {}),
    ...(hop.allowPlaintextAuth === true ? { allowPlaintextAuth: true } : {}),
  };
}

/** The failure codes (SmtpReply.failure) that name a problem of the hop. */
const HOP_FAILURES: Readonly<Record<string, HopProblem>> = {
  ETARGET: 'address-not-allowed',
  EAUTH: 'auth-failed',
  ENOTFOUND: 'host-not-found',
  EAI_AGAIN: 'host-not-found',
  EAI_NONAME: 'host-not-found',
  EDNS: 'host-not-found',
  ECONNREFUSED: 'connection-refused',
};

/**
 * What a reply says about the hop (not the message), or undefined when it is about the message: our client's failure
 * code first, then a refused login by its codes (RFC 4954: 535 5.7.8), whichever command it answered.
 */
export function hopProblem(reply: SmtpReply): HopProblem | undefined {
  if (reply.failure === 'EAUTH' && reply.text === NO_TLS_FOR_AUTH) return 'no-tls-for-login';
  const problem = reply.failure === undefined ? undefined : HOP_FAILURES[reply.failure];
  if (problem !== undefined) return problem;
  return reply.code === 535 || (isPermanent(reply) && reply.enhanced === '5.7.8') ? 'auth-failed' : undefined;
}

export function createRelayTransport(opts: RelayTransportOptions): Transport {
  const cache = createClosingCache<Transport>(opts.maxEntries ?? DEFAULT_MAX_ENTRIES, opts.logger, 'relay transport');

  async function send(envelope: Envelope, raw: Buffer, route: Route): Promise<DeliveryResult> {
    if (route.kind !== 'relay') {
      return {
        recipients: envelope.to.map((address) => ({
          address,
          outcome: 'deferred',
          reply: Replies.wrongRoute('relay transport', route.kind),
        })),
      };
    }
    const { oauth2 } = route.hop;
    if (oauth2) return { recipients: await oauth.send(envelope, raw, route, hopConfig(route.hop), oauth2.provider) };
    const result = await cache.get(route.key, () => opts.create(hopConfig(route.hop))).send(envelope, raw, route);
    return { recipients: judgeHop(route.owner, result.recipients) };
  }

  function judgeHop(owner: string, results: readonly RecipientResult[], oauth2 = false): RecipientResult[] {
    const problem = results.map((r) => ({ r, p: hopProblem(r.reply) })).find((x) => x.p !== undefined);
    if (problem?.p) {
      const named = oauth2 && problem.p === 'auth-failed' ? 'token-refused' : problem.p;
      opts.onHopFailure?.(owner, named, replyLine(problem.r.reply));
      return results.map((r) => (hopProblem(r.reply) ? { ...r, outcome: 'deferred' } : r));
    }
    if (results.some((r) => r.outcome === 'delivered')) opts.onHopOk?.(owner);
    return [...results];
  }

  const oauth = xoauth2Sender({
    cache,
    create: opts.create,
    ...(opts.accessTokens ? { tokens: opts.accessTokens } : {}),
    judge: (owner, results) => judgeHop(owner, results, true),
    loginRefused: (results) => results.some((r) => hopProblem(r.reply) === 'auth-failed'),
    onTokenProblem: (owner, problem, reason) =>
      opts.onHopFailure?.(owner, problem === 'link-broken' ? 'oauth-link-broken' : 'oauth-not-linked', reason),
  });

  return {
    name: 'relay',
    send,
    close: () => cache.closeAll(),
  };
}
