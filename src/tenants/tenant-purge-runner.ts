import { runHere, type ExclusiveRun } from '../core/exclusive-run.js';
import { purgeDeletedTenants, type PurgeDeps, type TenantDataOwner } from './tenant-purge.js';

/** Mail of a force-deleted tenant that drains later is followed by the purge within this. */
export const PURGE_EVERY_MS = 3600_000;
/** The purge's name among the periodic jobs (the lock's name on a shared database). */
export const TENANT_PURGE_JOB = 'tenant-purge';

/** A store keyed by tenant id with its own removal. */
interface TenantKeyed {
  tenantIds(): Iterable<string>;
}

/** The stores that hold data per tenant, as the composition root has them. */
export interface TenantDataStores {
  readonly sender: TenantKeyed & { remove(tenantId: string): Promise<void> };
  readonly content: TenantKeyed & { remove(tenantId: string): Promise<void> };
  readonly suppressions?: TenantKeyed & { removeTenant(tenantId: string): Promise<number> };
  /** Built by openDomains / openGmail (the Gmail one revokes the token at Google first). */
  readonly domains: TenantDataOwner;
  readonly gmail: TenantDataOwner;
}

function keyedSetting(name: string, store: TenantDataStores['sender']): TenantDataOwner {
  return {
    name,
    tenantIds: () => store.tenantIds(),
    async forget(tenantId) {
      const had = [...store.tenantIds()].includes(tenantId) ? 1 : 0;
      await store.remove(tenantId);
      return had;
    },
  };
}

export function tenantDataOwners(stores: TenantDataStores): TenantDataOwner[] {
  const { suppressions } = stores;
  return [
    keyedSetting('sender', stores.sender),
    keyedSetting('content', stores.content),
    stores.domains,
    stores.gmail,
    ...(suppressions
      ? [
          {
            name: 'suppressions',
            tenantIds: () => suppressions.tenantIds(),
            forget: (id: string) => suppressions.removeTenant(id),
          },
        ]
      : []),
  ];
}

export interface TenantPurge {
  /** Runs a pass soon (coalesced with one already waiting); never rejects. */
  trigger(): void;
  /** Runs a pass (after the one in progress) and answers the tenants purged. */
  run(): Promise<string[]>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs once now, then every `everyMs` (unref'd), and whenever triggered (after a tenant is deleted).
 * `exclusive` (default: always here) skips a pass while another node runs one: a pass it skips
 * answers no tenants, and this node's next pass (its timer) covers what its own stores hold.
 */
export function startTenantPurge(
  deps: PurgeDeps & { readonly everyMs?: number; readonly exclusive?: ExclusiveRun },
): TenantPurge {
  const exclusive = deps.exclusive ?? runHere;
  let running: Promise<string[]> | undefined;
  let queued: Promise<string[]> | undefined;
  let stopped = false;
  const once = (): Promise<string[]> =>
    exclusive(TENANT_PURGE_JOB, () => purgeDeletedTenants(deps)).then(
      (pass) => (pass.ran ? pass.result : []),
      (err: unknown) => {
        deps.logger.error({ err }, 'tenant purge failed; the next run tries again');
        return [];
      },
    );
  const run = (): Promise<string[]> => {
    if (stopped) return Promise.resolve([]);
    if (queued) return queued;
    if (!running) {
      running = once().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued = running.then(() => {
      queued = undefined;
      return run();
    });
    return queued;
  };
  const timer = setInterval(() => {
    void run();
  }, deps.everyMs ?? PURGE_EVERY_MS);
  timer.unref();
  void run();
  return {
    trigger: () => {
      void run();
    },
    run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await queued;
      await running;
    },
  };
}
