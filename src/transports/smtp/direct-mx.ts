import type { Logger } from '../../core/logger.js';
import { Replies, type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type { DeliveryResult, Envelope, Route, Transport } from '../../core/types.js';
import { describe } from './classify-error.js';
import { createClosingCache } from './closing-cache.js';
import { resolveTargets, type MxPlan, type MxResolver, type MxTarget } from './mx-resolver.js';
import { isUnreached } from './client/client-errors.js';
import type { Dial } from './client/connection.js';
import { SmtpPool } from './client/pool.js';
import type { RecipientAnswer } from './client/transaction.js';
import { resultsFromAnswers, sameResult } from './smtp-results.js';
import type { TargetGuard } from '../egress/target-guard.js';

export { systemResolver, type MxResolver } from './mx-resolver.js';

export interface DirectMxOptions {
  /** Port on the MX hosts (25; tests point it at a local sink). */
  readonly port: number;
  readonly resolver: MxResolver;
  /** Our name in EHLO. */
  readonly heloName: string;
  readonly logger: Logger;
  readonly connectTimeoutMs: number;
  /** Bound on one message's conversation with one host, waiting for a pooled connection included. */
  readonly sendTimeoutMs: number;
  /** Refuses MX hosts (and address literals) inside the network; connections go to the checked address only. */
  readonly guard: Pick<TargetGuard, 'refusal'>;
  /** Connections per mail host address (delivery.concurrencyPerDestination): domains sharing a host share them. */
  readonly maxConnectionsPerHost?: number;
  /** Opens the TCP connection (node:net when unset); tests inject one to see where it goes. */
  readonly dial?: Dial;
}

/** Mail hosts with an open pool; the least recently used is closed beyond this. */
const MAX_HOSTS = 200;
const CONNECTIONS_PER_HOST = 10;
/** Well under the 5 minutes RFC 5321 gives a server, so a reused connection is rarely stale. */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * Delivers to the recipient domain's MX hosts (`route.kind === 'direct'`): hosts by
 * preference, the next one only when a host cannot be reached; a reply from a host ends the
 * attempt. Each mail host address gets its own pool of our SMTP client (PIPELINING,
 * opportunistic STARTTLS without certificate checks, as MTAs do between each other), so mail
 * for domains that share a host (one provider's MX) reuses its connections. The pool is keyed
 * by the checked address and pinned to it: a name that resolves elsewhere later never rides
 * a connection opened for the old address.
 */
export function createDirectMxTransport(opts: DirectMxOptions): Transport {
  const pools = createClosingCache<SmtpPool>(MAX_HOSTS, opts.logger, 'mail host pool');

  function poolFor(target: MxTarget): SmtpPool {
    return pools.get(
      `${target.name}[${target.address}]`,
      () =>
        new SmtpPool({
          session: {
            endpoint: {
              host: target.name,
              address: target.address,
              port: opts.port,
              tls: { rejectUnauthorized: false },
            },
            security: 'opportunistic',
            heloName: opts.heloName,
            connectTimeoutMs: opts.connectTimeoutMs,
            ...(opts.dial ? { dial: opts.dial } : {}),
          },
          maxConnections: opts.maxConnectionsPerHost ?? CONNECTIONS_PER_HOST,
          sendTimeoutMs: opts.sendTimeoutMs,
          idleTimeoutMs: IDLE_TIMEOUT_MS,
          logger: opts.logger,
        }),
    );
  }

  async function tryTargets(envelope: Envelope, raw: Buffer, targets: readonly MxTarget[]): Promise<DeliveryResult> {
    let last: { answers: RecipientAnswer[]; nextHop: string } | undefined;
    for (const target of targets) {
      const nextHop = `${target.name}[${target.address}]:${opts.port}`;
      const answers = await poolFor(target).send(envelope, raw);
      if (!answers.every(isUnreached)) return { recipients: resultsFromAnswers(envelope.to, answers, nextHop) };
      opts.logger.debug({ nextHop, reply: describe(answers[0]) }, 'mail host unreachable, trying the next one');
      last = { answers, nextHop };
    }
    if (!last)
      return { recipients: sameResult(envelope.to, 'deferred', smtpReply(451, '4.4.4', 'no mail host to try')) };
    return { recipients: resultsFromAnswers(envelope.to, last.answers, last.nextHop) };
  }

  async function send(envelope: Envelope, raw: Buffer, route: Route): Promise<DeliveryResult> {
    if (route.kind !== 'direct') {
      return {
        recipients: sameResult(envelope.to, 'deferred', Replies.wrongRoute('direct delivery', route.kind)),
      };
    }
    let plan: MxPlan;
    try {
      plan = await resolveTargets(opts.resolver, route.domain);
    } catch (err) {
      return {
        recipients: sameResult(
          envelope.to,
          'deferred',
          smtpReply(451, '4.4.3', `MX lookup for ${route.domain} failed: ${describe(err)}`),
        ),
      };
    }
    if (plan.kind === 'fail') return { recipients: sameResult(envelope.to, plan.outcome, plan.reply) };
    // checked here, once per attempt: the pool then connects to exactly these addresses
    const allowed = plan.targets.filter((t) => opts.guard.refusal(t.address) === undefined);
    if (allowed.length === 0)
      return { recipients: sameResult(envelope.to, 'bounced', insideReply(route.domain, plan.targets)) };
    return tryTargets(envelope, raw, allowed);
  }

  /** Every mail host is inside the network: a final answer, without a connection. */
  function insideReply(domain: string, targets: readonly MxTarget[]): SmtpReply {
    const first = targets[0];
    const why = first
      ? `${first.name}[${first.address}] is ${opts.guard.refusal(first.address) ?? 'not allowed'}`
      : 'no host';
    return smtpReply(
      550,
      '5.4.4',
      `The mail hosts of ${domain} are not on the public internet (${why}); not connecting`,
    );
  }

  return {
    name: 'direct-mx',
    send,
    close: () => pools.closeAll(),
  };
}
