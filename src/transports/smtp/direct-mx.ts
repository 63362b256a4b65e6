import { isIPv6 } from 'node:net';
import type { Logger } from '../../core/logger.js';
import { Replies, type SmtpReply, smtpReply } from '../../core/smtp-reply.js';
import type { DeliveryResult, Envelope, RecipientResult, Route, Transport } from '../../core/types.js';
import { describe } from './classify-error.js';
import { createClosingCache } from './closing-cache.js';
import { resolveTargets, type MxPlan, type MxResolver, type MxTarget } from './mx-resolver.js';
import { clientError, isUnreached, markUnreached } from './client/client-errors.js';
import type { Dial } from './client/connection.js';
import { SmtpPool, type PoolResult } from './client/pool.js';
import { resultsFromAnswers, sameResult } from './smtp-results.js';
import type { TargetGuard } from '../egress/target-guard.js';
import type { TlsaLookup } from './dane/tlsa-lookup.js';
import type { MtaSts, StsLookup } from './mta-sts/mta-sts.js';
import { mxMatches } from './mta-sts/policy-text.js';
import { stsApplied, targetSecurity, type TargetSecurity } from './mx-security.js';
import { describeSession } from './tls-log.js';
import { recordSession } from './tls-report/record-session.js';
import type { TlsOutcomes } from './tls-report/tls-outcomes.js';

export { systemResolver, type MxResolver } from './mx-resolver.js';

/** Our HELO name and source address for one address family. */
export interface SourceSettings {
  /** Must be the PTR name of the source address (docs/operations.md). */
  readonly helo?: string;
  /** Bind address of outgoing connections of this family. */
  readonly bind?: string;
}

export interface DirectMxOptions {
  /** Port on the MX hosts (25; tests point it at a local sink). */
  readonly port: number;
  readonly resolver: MxResolver;
  /** Our name in EHLO, unless `sources` names one for the family of the mail host's address. */
  readonly heloName: string;
  readonly sources?: { readonly ipv4?: SourceSettings; readonly ipv6?: SourceSettings };
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
  /** Roots trusted for mail host certificates instead of Node's bundled ones (tests: a test CA). */
  readonly tlsCa?: readonly Buffer[];
  /** MTA-STS policies of recipient domains (mta-sts/); off when unset. */
  readonly mtaSts?: MtaSts;
  /** TLSA lookups at the operator's trusted validating resolver (dane/); DANE is off when unset. */
  readonly tlsa?: (mxHost: string) => Promise<TlsaLookup>;
  /** Where each session's TLS outcome is counted for TLS-RPT (tls-report/). */
  readonly tlsOutcomes?: TlsOutcomes;
}

/** Mail hosts with an open pool; the least recently used is closed beyond this. */
const MAX_HOSTS = 200;
const CONNECTIONS_PER_HOST = 10;
/** Well under the 5 minutes RFC 5321 gives a server, so a reused connection is rarely stale. */
const IDLE_TIMEOUT_MS = 30_000;
const NO_STS: StsLookup = { kind: 'none' };

/**
 * Delivers to the recipient domain's MX hosts (`route.kind === 'direct'`): hosts by
 * preference, the next one only when a host cannot be reached; a reply from a host ends the
 * attempt. Each mail host address gets its own pool of our SMTP client (PIPELINING), so mail
 * for domains that share a host reuses its connections. The pool is keyed by the checked
 * address and the session's security (mx-security.ts), and pinned to that address: a name
 * that resolves elsewhere later never rides a connection opened for the old address.
 */
export function createDirectMxTransport(opts: DirectMxOptions): Transport {
  const pools = createClosingCache<SmtpPool>(MAX_HOSTS, opts.logger, 'mail host pool');

  function poolFor(target: MxTarget, sec: TargetSecurity): SmtpPool {
    const source = (isIPv6(target.address) ? opts.sources?.ipv6 : opts.sources?.ipv4) ?? {};
    return pools.get(
      `${target.name}[${target.address}]/${sec.key}`,
      () =>
        new SmtpPool({
          session: {
            endpoint: {
              host: target.name,
              address: target.address,
              port: opts.port,
              tls: sec.tls,
              ...(source.bind === undefined ? {} : { localAddress: source.bind }),
            },
            security: sec.security,
            role: 'mail host',
            heloName: source.helo ?? opts.heloName,
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

  /** One mail host: its TLSA records first (when DANE is on), then the message over a pool secured accordingly. */
  async function sendVia(domain: string, target: MxTarget, sts: StsLookup, env: Envelope, raw: Buffer) {
    const tlsa = opts.tlsa ? await opts.tlsa(target.name) : { kind: 'none' as const };
    if (tlsa.kind === 'fail') {
      // RFC 7672 2.1.1: a host whose TLSA records cannot be read is not used, never in plain text
      opts.tlsOutcomes?.failure(domain, stsApplied(sts), {
        resultType: 'dnssec-invalid',
        receivingMx: target.name,
        receivingIp: target.address,
      });
      return { result: { answers: env.to.map(() => markUnreached(clientError('ETLS', tlsa.detail))) } };
    }
    const sec = targetSecurity(target.name, sts, tlsa.kind === 'records' ? tlsa.records : undefined, opts.tlsCa);
    const result = await poolFor(target, sec).sendReporting(env, raw);
    if (opts.tlsOutcomes) recordSession(opts.tlsOutcomes, domain, target, sec, result);
    return { result, sec };
  }

  async function tryTargets(env: Envelope, raw: Buffer, domain: string, targets: readonly MxTarget[], sts: StsLookup) {
    let last: { result: PoolResult; nextHop: string } | undefined;
    for (const target of targets) {
      const nextHop = `${target.name}[${target.address}]:${opts.port}`;
      const { result, sec } = await sendVia(domain, target, sts, env, raw);
      if (!result.answers.every(isUnreached)) return withTls(env, result, nextHop, sec?.policy.type === 'tlsa');
      opts.logger.debug({ nextHop, reply: describe(result.answers[0]) }, 'mail host unreachable, trying the next one');
      last = { result, nextHop };
    }
    if (!last) return { recipients: sameResult(env.to, 'deferred', smtpReply(451, '4.4.4', 'no mail host to try')) };
    return withTls(env, last.result, last.nextHop);
  }

  function withTls(env: Envelope, result: PoolResult, nextHop: string, dane = false): DeliveryResult {
    const tls = describeSession(result, dane);
    const recipients = resultsFromAnswers(env.to, result.answers, nextHop);
    return { recipients: tls === undefined ? recipients : recipients.map((r): RecipientResult => ({ ...r, tls })) };
  }

  /** Under an MTA-STS policy only the MX hosts it names may be used; in testing mode a miss is reported. */
  function stsTargets(domain: string, sts: StsLookup, targets: readonly MxTarget[]): readonly MxTarget[] {
    if (sts.kind !== 'policy') return targets;
    const matching = targets.filter((t) => mxMatches(sts.policy, t.name));
    if (matching.length === targets.length) return targets;
    for (const t of targets.filter((x) => !matching.includes(x)))
      opts.tlsOutcomes?.failure(domain, stsApplied(sts), {
        resultType: 'validation-failure',
        receivingMx: t.name,
        receivingIp: t.address,
      });
    return sts.policy.mode === 'enforce' ? matching : targets;
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
    const domain = route.domain.toLowerCase();
    const sts = opts.mtaSts ? await opts.mtaSts.policyFor(domain) : NO_STS;
    if (sts.kind === 'fail') opts.tlsOutcomes?.failure(domain, stsApplied(sts), { resultType: sts.resultType });
    const targets = stsTargets(domain, sts, allowed);
    if (targets.length === 0) return { recipients: sameResult(envelope.to, 'deferred', noStsMatch(route.domain)) };
    return tryTargets(envelope, raw, domain, targets, sts);
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

function noStsMatch(domain: string): SmtpReply {
  return smtpReply(451, '4.7.5', `No mail host of ${domain} matches its MTA-STS policy; not delivering`);
}
