import type { Logger } from '../core/logger.js';
import type { DeliveryResult, Envelope, Route, Transport } from '../core/types.js';
import { describe } from './classify-error.js';
import { resolveTargets, type MxPlan, type MxResolver, type MxTarget } from './mx-resolver.js';
import { sendOnce } from './smtp-session.js';
import type { TargetGuard } from './target-guard.js';
import { resultsFromError, resultsFromInfo, sameResult } from './smtp-results.js';

export { systemResolver, type MxResolver } from './mx-resolver.js';

export interface DirectMxOptions {
  /** Port on the MX hosts (25; tests point it at a local sink). */
  readonly port: number;
  readonly resolver: MxResolver;
  /** Our name in EHLO. */
  readonly heloName: string;
  readonly logger: Logger;
  readonly connectTimeoutMs: number;
  /** Bound on one session with one host. */
  readonly sendTimeoutMs: number;
  /** Refuses MX hosts (and address literals) inside the network; the session connects to the checked address. */
  readonly guard: Pick<TargetGuard, 'refusal'>;
}

/**
 * Delivers to the recipient domain's MX hosts (`route.kind === 'direct'`): hosts by
 * preference, the next one only when a host cannot be reached; a reply from a host ends the
 * attempt. One unpooled session per send: mail to one domain rarely comes in bursts that a
 * pool would serve, and the scheduler bounds sessions per domain.
 */
export function createDirectMxTransport(opts: DirectMxOptions): Transport {
  async function tryTargets(envelope: Envelope, raw: Buffer, targets: readonly MxTarget[]): Promise<DeliveryResult> {
    let lastError: unknown = new Error('no mail host to try');
    let lastHop: string | undefined;
    for (const target of targets) {
      const nextHop = `${target.name}[${target.address}]:${opts.port}`;
      const outcome = await sendOnce({
        address: target.address, port: opts.port, servername: target.name, heloName: opts.heloName,
        connectTimeoutMs: opts.connectTimeoutMs, sendTimeoutMs: opts.sendTimeoutMs,
      }, envelope, raw);
      if (outcome.kind === 'sent') return { recipients: resultsFromInfo(envelope.to, outcome.info, nextHop) };
      if (outcome.kind === 'failed') return { recipients: resultsFromError(envelope.to, outcome.error, nextHop) };
      opts.logger.debug({ nextHop, reply: describe(outcome.error) }, 'mail host unreachable, trying the next one');
      lastError = outcome.error;
      lastHop = nextHop;
    }
    return { recipients: resultsFromError(envelope.to, lastError, lastHop) };
  }

  async function send(envelope: Envelope, raw: Buffer, route: Route): Promise<DeliveryResult> {
    if (route.kind !== 'direct') {
      return { recipients: sameResult(envelope.to, 'deferred', `451 4.3.5 direct delivery cannot take a ${route.kind} route`) };
    }
    let plan: MxPlan;
    try {
      plan = await resolveTargets(opts.resolver, route.domain);
    } catch (err) {
      return { recipients: sameResult(envelope.to, 'deferred', `451 4.4.3 MX lookup for ${route.domain} failed: ${describe(err)}`) };
    }
    if (plan.kind === 'fail') return { recipients: sameResult(envelope.to, plan.outcome, plan.reply) };
    const allowed = plan.targets.filter((t) => opts.guard.refusal(t.address) === undefined);
    if (allowed.length === 0) return { recipients: sameResult(envelope.to, 'bounced', insideReply(route.domain, plan.targets)) };
    return tryTargets(envelope, raw, allowed);
  }

  /** Every mail host is inside the network: a final answer, without a connection. */
  function insideReply(domain: string, targets: readonly MxTarget[]): string {
    const first = targets[0];
    const why = first ? `${first.name}[${first.address}] is ${opts.guard.refusal(first.address) ?? 'not allowed'}` : 'no host';
    return `550 5.4.4 The mail hosts of ${domain} are not on the public internet (${why}); not connecting`;
  }

  return {
    name: 'direct-mx',
    send,
    close: async () => undefined, // no pool: sessions end with their send
  };
}
