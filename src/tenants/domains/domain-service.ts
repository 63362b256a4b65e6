import { domainToASCII } from 'node:url';
import type { Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { Logger } from '../../core/logger.js';
import { checkDomain } from '../../mailauth/dns-check.js';
import { lookupTxt, type DnsLookup } from '../../mailauth/dns-lookup.js';
import { bounceHostFor, dmarcName, dmarcRecord, spfRecord } from '../../mailauth/records.js';
import type { SigningKey } from '../../mailauth/signer.js';
import { applyCheck, bounceHostAfter } from './domain-activation.js';
import { activeSigningKeys, newSelectors, type KeySealer } from './domain-keys.js';
import { DOMAIN_NOT_AVAILABLE, type DomainStore } from './domain-store.js';
import { PLATFORM_OWNER, type BounceHost, type DomainRecord, type KeySet } from './domain-types.js';

export interface DomainServiceDeps {
  readonly store: DomainStore;
  readonly sealer: KeySealer;
  readonly resolver: DnsLookup;
  /** The platform's SPF include (`dns.spfInclude`, or derived from the sending domain). */
  readonly spfInclude: string;
  /** `dns.dmarcReportAddress`; null: postmaster@ the tenant's domain. */
  readonly dmarcReportAddress: string | null;
  readonly rotationGraceMs: number;
  /** The platform's own domains (sending, bounce): no tenant may claim them or a name under them. */
  readonly platformDomains?: readonly string[];
  /**
   * The platform's bounce host (`platform.bounceDomain`, else the sending domain): tenants are offered
   * `bounces.<domain>` CNAME to it. Null or absent: no bounce host is offered.
   */
  readonly bounceTarget?: string | null;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Lower-case, no trailing dot, a syntactically valid host name with at least one dot. */
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * One spelling per domain: U-labels become A-labels (UTS 46: `bücher.test` is `xn--bcher-kva.test`, full-width folds).
 */
export function normaliseDomainInput(domain: string): string {
  const trimmed = domain.trim().replace(/\.$/, '');
  const name = (domainToASCII(trimmed) || trimmed).toLowerCase();
  if (!DOMAIN.test(name)) throw new GatewayError('E_INVALID', `${domain} is not a domain name`);
  return name;
}

type Deps = DomainServiceDeps;

function offeredBounceHost(deps: Deps, domain: string): Omit<BounceHost, 'verified'> | null {
  const target = deps.bounceTarget ?? null;
  return target === null ? null : { name: bounceHostFor(domain), target };
}

function owned(deps: Deps, tenantId: string, domain: string): DomainRecord {
  const record = deps.store.get(domain, tenantId);
  if (record === undefined) throw new GatewayError('E_NOT_FOUND', `no domain ${domain}`);
  return record;
}

function isPlatformDomain(deps: Deps, domain: string): boolean {
  return (deps.platformDomains ?? []).some((p) => domain === p.toLowerCase() || domain.endsWith(`.${p.toLowerCase()}`));
}

/** Another tenant (or the platform) proved the domain: the same words whoever it is. */
function refuseIfOwnedElsewhere(deps: Deps, tenantId: string, domain: string): void {
  const owner = deps.store.ownerOf(domain);
  const elsewhere = owner !== undefined && owner !== tenantId;
  if (elsewhere || (tenantId !== PLATFORM_OWNER && isPlatformDomain(deps, domain)))
    throw new GatewayError('E_NOT_AVAILABLE', DOMAIN_NOT_AVAILABLE);
}

/** SPF and DMARC to publish, merged with what DNS holds now (a second SPF record would break SPF). */
async function proposals(deps: Deps, domain: string): Promise<Pick<DomainRecord, 'spf' | 'dmarc'>> {
  const [apex, dmarc] = await Promise.all([
    lookupTxt(deps.resolver, domain),
    lookupTxt(deps.resolver, dmarcName(domain)),
  ]);
  const values = (o: typeof apex): string[] => (o.kind === 'found' ? o.records.map((strings) => strings.join('')) : []);
  return {
    spf: spfRecord(values(apex), deps.spfInclude),
    dmarc: dmarcRecord(values(dmarc), deps.dmarcReportAddress ?? `postmaster@${domain}`),
  };
}

async function addDomain(deps: Deps, tenantId: string, input: string, keySet: KeySet): Promise<DomainRecord> {
  const domain = normaliseDomainInput(input);
  // Pending claims of others block nobody: only an owner that proved the domain does.
  refuseIfOwnedElsewhere(deps, tenantId, domain);
  if (deps.store.get(domain, tenantId) !== undefined)
    throw new GatewayError('E_CONFLICT', `you added domain ${domain} already`);
  const now = deps.clock();
  const selectors = await newSelectors(deps.sealer, tenantId, domain, keySet, now, []);
  const offered = offeredBounceHost(deps, domain);
  const record: DomainRecord = {
    domain,
    tenantId,
    keySet,
    selectors,
    status: 'pending',
    createdAt: now,
    ...(await proposals(deps, domain)),
    ...(offered === null ? {} : { bounceHost: { ...offered, verified: false } }),
  };
  await deps.store.insert(record);
  deps.logger.info({ tenantId, domain, selectors: selectors.map((s) => s.selector) }, 'domain added');
  return record;
}

/**
 * "Check and activate": looks the records up, then activates, switches keys or marks failing (domain-activation.ts).
 */
async function checkAndActivate(deps: Deps, tenantId: string, input: string): Promise<DomainRecord> {
  const current = owned(deps, tenantId, normaliseDomainInput(input));
  refuseIfOwnedElsewhere(deps, tenantId, current.domain);
  const offered = offeredBounceHost(deps, current.domain);
  const [result, found] = await Promise.all([
    checkDomain({
      domain: current.domain,
      selectors: current.selectors.filter((s) => s.state !== 'retiring'),
      platformInclude: deps.spfInclude,
      resolver: deps.resolver,
      dmarcReportAddress: deps.dmarcReportAddress ?? `postmaster@${current.domain}`,
      ...(offered === null ? {} : { returnPath: { host: offered.name, target: offered.target } }),
    }),
    proposals(deps, current.domain),
  ]);
  const options = { now: deps.clock(), graceMs: deps.rotationGraceMs };
  const next = await deps.store.update(current.domain, tenantId, (r) => {
    const { bounceHost: _old, ...checked } = applyCheck(r, result, options);
    const bounceHost = bounceHostAfter(r.bounceHost, offered, result);
    return { ...checked, ...found, ...(bounceHost === undefined ? {} : { bounceHost }) };
  });
  logTransition(deps.logger, current, next);
  return next;
}

async function rotateKeys(deps: Deps, tenantId: string, input: string): Promise<DomainRecord> {
  const current = owned(deps, tenantId, normaliseDomainInput(input));
  const taken = current.selectors.map((s) => s.selector);
  const fresh = await newSelectors(deps.sealer, tenantId, current.domain, current.keySet, deps.clock(), taken);
  // A rotation started before the last one verified replaces that one's pending keys.
  const next = await deps.store.update(current.domain, tenantId, (r) => ({
    ...r,
    selectors: [...r.selectors.filter((s) => s.state !== 'pending'), ...fresh],
  }));
  deps.logger.info(
    { tenantId, domain: current.domain, selectors: fresh.map((s) => s.selector) },
    'domain key rotation started',
  );
  return next;
}

/** At start: a key for `platform.sendingDomain`, generated the first time; active at once (the admin publishes it). */
async function ensurePlatformKey(deps: Deps, sendingDomain: string): Promise<DomainRecord | undefined> {
  const domain = normaliseDomainInput(sendingDomain);
  const existing = deps.store.get(domain, PLATFORM_OWNER);
  if (existing !== undefined) return existing;
  if (deps.store.ownerOf(domain) !== undefined) {
    deps.logger.error(
      { domain },
      'platform.sendingDomain is registered by a tenant: forwarding mail is not DKIM-signed',
    );
    return undefined;
  }
  const now = deps.clock();
  const selectors = (await newSelectors(deps.sealer, PLATFORM_OWNER, domain, 'rsa', now, [])).map((s) => ({
    ...s,
    state: 'active' as const,
  }));
  const record: DomainRecord = {
    domain,
    tenantId: PLATFORM_OWNER,
    keySet: 'rsa',
    selectors,
    status: 'active',
    createdAt: now,
    activatedAt: now,
  };
  await deps.store.insert(record);
  deps.logger.info(
    { domain, selector: selectors[0]?.selector },
    'platform DKIM key generated; publish its records (npx postbode dns platform)',
  );
  return record;
}

/** Tenant domains: add (keys + records to publish), check and activate, rotate, remove; keys for signing. */
export function createDomainService(deps: DomainServiceDeps) {
  const { store, sealer } = deps;
  return {
    add: (tenantId: string, domain: string, keySet: KeySet = 'rsa'): Promise<DomainRecord> =>
      addDomain(deps, tenantId, domain, keySet),
    get: (tenantId: string, domain: string): DomainRecord => owned(deps, tenantId, normaliseDomainInput(domain)),
    list: (tenantId: string): DomainRecord[] => store.listFor(tenantId),
    check: (tenantId: string, domain: string): Promise<DomainRecord> => checkAndActivate(deps, tenantId, domain),
    rotate: (tenantId: string, domain: string): Promise<DomainRecord> => rotateKeys(deps, tenantId, domain),
    async remove(tenantId: string, input: string): Promise<void> {
      const domain = normaliseDomainInput(input);
      if (!(await store.remove(domain, tenantId))) throw new GatewayError('E_NOT_FOUND', `no domain ${domain}`);
      deps.logger.info({ tenantId, domain }, 'domain removed');
    },
    /** Keys to sign a tenant's own-address mail with; empty unless the domain is active. */
    tenantKeys(tenantId: string, domain: string): SigningKey[] {
      const name = domain.toLowerCase();
      const record = store.get(name, tenantId);
      if (record === undefined || record.status !== 'active' || store.ownerOf(name) !== tenantId) return [];
      return activeSigningKeys(sealer, record);
    },
    /** The platform key (forwarding mode), once `ensurePlatformKey` made one. */
    platformKeys(sendingDomain: string | null): SigningKey[] {
      const record = sendingDomain === null ? undefined : store.get(sendingDomain.toLowerCase(), PLATFORM_OWNER);
      return record === undefined ? [] : activeSigningKeys(sealer, record);
    },
    ensurePlatformKey: (sendingDomain: string): Promise<DomainRecord | undefined> =>
      ensurePlatformKey(deps, sendingDomain),
  };
}

export type DomainService = ReturnType<typeof createDomainService>;

function logTransition(logger: Logger, before: DomainRecord, after: DomainRecord): void {
  if (before.status === after.status) return;
  const line = { tenantId: after.tenantId, domain: after.domain, from: before.status, to: after.status };
  if (after.status === 'failing')
    logger.warn({ ...line, reason: after.failingReason }, 'domain failing: its mail falls back to forwarding mode');
  else logger.info(line, 'domain status changed');
}
