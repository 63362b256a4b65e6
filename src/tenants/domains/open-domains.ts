import type { Storage } from '../../store/storage.js';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { resolverFor, type DnsLookup } from '../../mailauth/dns-lookup.js';
import { createSignPool, type SignPool } from '../../mailauth/sign-pool.js';
import { lazySignPool } from '../../mailauth/lazy-sign-pool.js';
import { createSignStage, type SignStage } from '../../mailauth/sign-stage.js';
import type { DomainDirectory } from '../ownership/sender-domains.js';
import { storeDomainDirectory } from './domain-directory.js';
import type { KeySealer } from './domain-keys.js';
import { startRecheck, type Recheck } from './domain-recheck.js';
import { createDomainService, type DomainService } from './domain-service.js';
import { openDomainStore, type DomainStore } from './domain-store.js';
import { PLATFORM_OWNER } from './domain-types.js';
import { proposedDmarcReportAddress } from '../report-addresses.js';
import { createPlatformDns, type PlatformDns } from './platform-dns.js';
import type { TenantDataOwner } from '../tenant-purge.js';

export interface Domains {
  readonly service: DomainService;
  readonly directory: DomainDirectory;
  readonly sign: SignStage;
  readonly recheck: Recheck;
  /** The platform's own records, checked (admin API). */
  readonly platformDns: PlatformDns;
  /** For the purge of deleted tenants: their domains, sealed DKIM keys included (never the platform's). */
  readonly tenantData: TenantDataOwner;
  close(): Promise<void>;
}

/**
 * Signing runs on two worker threads (started at the first signature): the second core signs, the main thread stays
 * free for SMTP.
 */
const SIGN_WORKERS = 2;

/** The platform's SPF include: configured, else derived from the sending domain (or our host name). */
export function platformSpfInclude(config: Config): string {
  return config.dns.spfInclude ?? `_spf.${config.platform.sendingDomain ?? config.hostname}`;
}

/** Where tenants' bounce hosts point: the platform's bounce domain (its SPF and MX), else the sending domain. */
export function platformBounceHost(config: Config): string | null {
  return config.platform.bounceDomain ?? config.platform.sendingDomain;
}

export function domainResolver(config: Config): DnsLookup {
  return config.dns.resolver === null ? resolverFor() : resolverFor(config.dns.resolver);
}

/** Opens the domain store, makes the platform key at first start, starts the re-check timer and the sign pool. */
export async function openDomains(
  storage: Storage,
  config: Config,
  sealer: KeySealer,
  logger: Logger,
  clock: Clock,
  /** The store to use instead of the one in `storage` (PostgreSQL, shared by every node). */
  shared?: DomainStore,
  /** Whether this process re-checks the domains' DNS (one process per machine does, docs/scaling.md). */
  recheckHere = true,
): Promise<Domains> {
  const store = shared ?? openDomainStore(storage);
  const resolver = domainResolver(config);
  const platformDomains = [config.platform.sendingDomain, config.platform.bounceDomain].filter(
    (d): d is string => d !== null,
  );
  const service = createDomainService({
    platformDomains,
    store,
    sealer,
    resolver,
    spfInclude: platformSpfInclude(config),
    bounceTarget: platformBounceHost(config),
    dmarcReportAddress: proposedDmarcReportAddress(config),
    rotationGraceMs: config.dns.rotationGraceMs,
    clock,
    logger,
  });
  const sendingDomain = config.platform.sendingDomain;
  if (sendingDomain !== null) await service.ensurePlatformKey(sendingDomain);
  const pool: SignPool = lazySignPool(SIGN_WORKERS, () => createSignPool({ size: SIGN_WORKERS, now: clock, logger }));
  const sign = createSignStage({
    pool,
    logger,
    keys: { platformKeys: () => service.platformKeys(sendingDomain), tenantKeys: (t, d) => service.tenantKeys(t, d) },
  });
  const recheck = startRecheck({
    store,
    check: (t, d) => service.check(t, d),
    everyMs: recheckHere ? config.dns.recheckEveryMs : 0,
    logger,
  });
  return {
    service,
    directory: storeDomainDirectory(store, platformDomains),
    sign,
    recheck,
    platformDns: createPlatformDns(config, store, resolver, platformSpfInclude(config)),
    tenantData: {
      name: 'domains',
      tenantIds: () => [...store.tenantIds()].filter((t) => t !== PLATFORM_OWNER),
      forget: (t) => store.removeAll(t),
    },
    async close() {
      await recheck.stop();
      await pool.close();
      await store.close();
    },
  };
}
