import type { Logger } from '../core/logger.js';
import type { MaybePromise } from '../core/types.js';

/**
 * Deleting a tenant removes its record and API tokens at once; everything else it left in
 * other stores (sealed SMTP password, DKIM keys, Gmail refresh token, suppression list, ...)
 * is removed here, once the record is gone *and* no mail of the tenant is pending: mail of a
 * force-deleted tenant is still delivered, and needs those settings and keys to go out.
 * The audit log is not an owner: it stays, as the record of what happened.
 */
export interface TenantDataOwner {
  /** Names the store in the log line (never data). */
  readonly name: string;
  /** Tenants it holds data for (read at every run; a key scan). */
  tenantIds(): MaybePromise<Iterable<string>>;
  /** Removes everything it holds for the tenant; how many records went. */
  forget(tenantId: string): Promise<number>;
}

export interface PurgeDeps {
  readonly owners: readonly TenantDataOwner[];
  /** Whether the tenant record still exists. */
  readonly tenantExists: (tenantId: string) => Promise<boolean>;
  /** Messages of the tenant not yet final (MessageLog.countPending). */
  readonly pending: (tenantId: string) => number;
  readonly logger: Logger;
}

/**
 * One pass: every tenant some owner holds data for, whose record is gone and whose mail is
 * all final, is forgotten by every owner. An owner that fails is logged and the tenant is
 * not reported purged (the next run tries again: forgetting twice is harmless).
 */
export async function purgeDeletedTenants(deps: PurgeDeps): Promise<string[]> {
  const candidates = new Set<string>();
  for (const owner of deps.owners) for (const id of await owner.tenantIds()) candidates.add(id);
  const purged: string[] = [];
  for (const tenantId of candidates) {
    if (await deps.tenantExists(tenantId)) continue;
    const pending = deps.pending(tenantId);
    if (pending > 0) {
      deps.logger.debug(
        { tenantId, pending },
        'deleted tenant still has mail in the queue; its data is purged once that is final',
      );
      continue;
    }
    const counts: Record<string, number> = {};
    let failed = false;
    for (const owner of deps.owners) {
      try {
        counts[owner.name] = await owner.forget(tenantId);
      } catch (err) {
        failed = true;
        deps.logger.error(
          { tenantId, owner: owner.name, err },
          'could not purge the data of a deleted tenant; the next run tries again',
        );
      }
    }
    if (failed) continue;
    deps.logger.info({ tenantId, removed: counts }, 'data of a deleted tenant purged');
    purged.push(tenantId);
  }
  return purged;
}
