import type { MxStores } from '../../feedback/mx-stores.js';
import type { ReplyTargets } from '../../feedback/reply-targets.js';
import type { SuppressionStore } from '../../feedback/suppression-store.js';

/**
 * The MX's per-tenant data as the tenant purge sees it (it knows the suppression store's
 * `tenantIds`/`removeTenant`): the suppression list and bounce counts, plus the reply
 * target (an address the tenant typed) and its sent Message-IDs. Sent entries of a tenant
 * with neither list nor target also age out with the message log's retention.
 */
export function withReplyData(
  suppressions: SuppressionStore,
  stores: Pick<MxStores, 'replyTargets' | 'sent' | 'sentAt' | 'root'>,
): SuppressionStore {
  return {
    ...suppressions,
    tenantIds: () => new Set([...suppressions.tenantIds(), ...stores.replyTargets.getKeys()]),
    async removeTenant(tenantId) {
      const removed = await suppressions.removeTenant(tenantId);
      return (
        removed +
        (await stores.root.transaction(() => {
          let count = stores.replyTargets.get(tenantId) === undefined ? 0 : 1;
          stores.replyTargets.removeSync(tenantId);
          for (const { key, value } of stores.sent.getRange({ start: `${tenantId}/`, end: `${tenantId}0` })) {
            stores.sent.removeSync(key);
            stores.sentAt.removeSync([value.at, key]);
            count += 1;
          }
          return count;
        }))
      );
    },
  };
}

/**
 * The same on PostgreSQL, where each part is its own table (migration 009): the list and its
 * counts in one transaction, then the reply target, then the sent Message-IDs. A pass that fails
 * before the target is gone runs again (the tenant is still listed); sent entries a failed pass
 * leaves age out with the message log's retention, as on LMDB.
 */
export function withSharedReplyData(
  suppressions: SuppressionStore,
  targets: ReplyTargets,
  sent: { removeTenant(tenantId: string): Promise<number> },
): SuppressionStore {
  return {
    ...suppressions,
    tenantIds: () => new Set([...suppressions.tenantIds(), ...targets.tenantIds()]),
    async removeTenant(tenantId) {
      const removed = await suppressions.removeTenant(tenantId);
      const target = (await targets.remove(tenantId)) ? 1 : 0;
      return removed + target + (await sent.removeTenant(tenantId));
    },
  };
}
