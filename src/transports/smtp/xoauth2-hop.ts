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

const NO_SOURCE: AccessTokenAnswer = {
  ok: false,
  problem: 'not-linked',
  reason: 'this server has no OAuth login configured',
};

/**
 * Sends through a hop that logs in by AUTH XOAUTH2: a token from the owner's link (cached by the
 * source), a pool per token (a renewed token opens new connections; the old pool is closed), and,
 * when the server refuses the token, one renewal and one more try before the hop is judged. No
 * token (not linked, link broken) defers every recipient with the reason in plain words and
 * reports it; a provider that cannot be asked now only defers.
 */
export function xoauth2Sender(opts: Xoauth2SenderOptions) {
  /** The pool key in use per hop, to close the previous token's pool when the token changes. */
  const inUse = new Map<string, string>();

  async function sendWith(envelope: Envelope, raw: Buffer, route: RelayRoute, base: TenantHopConfig, token: string) {
    const key = `${route.key}:xoauth2:${createHash('sha256').update(token).digest('base64url').slice(0, 16)}`;
    const previous = inUse.get(route.key);
    if (previous !== undefined && previous !== key) opts.cache.drop(previous);
    inUse.set(route.key, key);
    const transport = opts.cache.get(key, () => opts.create({ ...base, accessToken: token }));
    return (await transport.send(envelope, raw, route)).recipients;
  }

  function noToken(envelope: Envelope, owner: string, answer: Extract<AccessTokenAnswer, { ok: false }>) {
    if (answer.problem !== 'unavailable') opts.onTokenProblem(owner, answer.problem, answer.reason);
    return sameResult(envelope.to, 'deferred', smtpReply(451, '4.7.0', `own SMTP OAuth login: ${answer.reason}`));
  }

  return {
    /** `base`: the hop's settings without credentials but the user (the mailbox). */
    async send(envelope: Envelope, raw: Buffer, route: RelayRoute, base: TenantHopConfig, provider: OAuthProviderName) {
      const tokens = opts.tokens ?? (async () => NO_SOURCE);
      const first = await tokens(route.owner, provider);
      if (!first.ok) return noToken(envelope, route.owner, first);
      const results = await sendWith(envelope, raw, route, base, first.token);
      if (!opts.loginRefused(results)) return opts.judge(route.owner, results);
      const renewed = await tokens(route.owner, provider, first.token);
      if (!renewed.ok) return noToken(envelope, route.owner, renewed);
      if (renewed.token === first.token) return opts.judge(route.owner, results);
      return opts.judge(route.owner, await sendWith(envelope, raw, route, base, renewed.token));
    },
  };
}
