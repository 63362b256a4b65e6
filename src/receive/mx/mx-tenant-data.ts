import type { MxStores } from '../../feedback/mx-stores.js';
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
