import { createHash } from 'node:crypto';
import type {
  AccessTokenAnswer,
  AccessTokenProblem,
  AccessTokenSource,
  OAuthProviderName,
} from '../../core/access-token.js';
import { smtpReply } from '../../core/smtp-reply.js';
import type { Envelope, RecipientResult, Route, Transport } from '../../core/types.js';
import type { ClosingCache } from './closing-cache.js';
import { sameResult } from './smtp-results.js';
import type { TenantHopConfig } from './tenant-hop.js';

type RelayRoute = Extract<Route, { kind: 'relay' }>;

export interface Xoauth2SenderOptions {
  readonly cache: ClosingCache<Transport>;
  readonly create: (hop: TenantHopConfig) => Transport;
  readonly tokens?: AccessTokenSource;
  /** The relay transport's verdict on the hop (flags a refused login); called once per send. */
  readonly judge: (owner: string, results: readonly RecipientResult[]) => RecipientResult[];
  /** True when the results say the server refused our login (the token). */
  readonly loginRefused: (results: readonly RecipientResult[]) => boolean;
  /** No token for the owner (never called for `unavailable`: that only defers). */
  readonly onTokenProblem: (owner: string, problem: AccessTokenProblem, reason: string) => void;
}

const NO_TOKEN_TEXT = 'own SMTP OAuth login:';
/** How the reply of mail deferred for want of a token begins (a relink makes such mail due at once). */
export const NO_TOKEN_REPLY_PREFIX = `451 4.7.0 ${NO_TOKEN_TEXT}`;

const NO_SOURCE: AccessTokenAnswer = {
  ok: false,
  problem: 'not-linked',
  reason: 'this server has no OAuth login configured',
};

/**
 * Sends through a hop that logs in by AUTH XOAUTH2: a token from the owner's link (cached by the
 * source), a pool per token (a renewed token opens new connections), and, when the server refuses
 * the token, one renewal and one more try before the hop is judged. The refused token's pool is
 * closed at once (no new connection could log in with it); one left by a renewal before expiry may
 * still carry messages, so it is left to idle out (30 s) and to the cache's bound. No
 * token (not linked, link broken) defers every recipient with the reason in plain words and
 * reports it; a provider that cannot be asked now only defers.
 */
export function xoauth2Sender(opts: Xoauth2SenderOptions) {
  /** Names a token's pool without putting the token in a key. */
  const poolKey = (route: RelayRoute, token: string): string =>
    `${route.key}:xoauth2:${createHash('sha256').update(token).digest('base64url').slice(0, 16)}`;

  async function sendWith(envelope: Envelope, raw: Buffer, route: RelayRoute, base: TenantHopConfig, token: string) {
    const key = poolKey(route, token);
    const transport = opts.cache.get(key, () => opts.create({ ...base, accessToken: token }));
    return (await transport.send(envelope, raw, route)).recipients;
  }

  function noToken(envelope: Envelope, owner: string, answer: Extract<AccessTokenAnswer, { ok: false }>) {
    if (answer.problem !== 'unavailable') opts.onTokenProblem(owner, answer.problem, answer.reason);
    const reply = smtpReply(451, '4.7.0', `${NO_TOKEN_TEXT} ${answer.reason}`);
    return sameResult(envelope.to, 'deferred', reply);
  }

  return {
    /** `base`: the hop's settings without credentials but the user (the mailbox). */
    async send(envelope: Envelope, raw: Buffer, route: RelayRoute, base: TenantHopConfig, provider: OAuthProviderName) {
      const tokens = opts.tokens ?? (async () => NO_SOURCE);
      const first = await tokens(route.owner, provider);
      if (!first.ok) return noToken(envelope, route.owner, first);
      const results = await sendWith(envelope, raw, route, base, first.token);
      if (!opts.loginRefused(results)) return opts.judge(route.owner, results);
      opts.cache.drop(poolKey(route, first.token));
      const renewed = await tokens(route.owner, provider, first.token);
      if (!renewed.ok) return noToken(envelope, route.owner, renewed);
      if (renewed.token === first.token) return opts.judge(route.owner, results);
      return opts.judge(route.owner, await sendWith(envelope, raw, route, base, renewed.token));
    },
  };
}
