import { openAlertStore, type AlertStore } from '../../src/feedback/bounce-alerts/alert-store.js';
import {
  openContentSettingsStore,
  type ContentSettingsStore,
  type StoredContentSettings,
} from '../../src/pipeline/content/content-settings-store.js';
import { contentSettingsSchema } from '../../src/pipeline/content/content-settings.js';
import { openHoldRulesStore, type HoldRulesStore } from '../../src/pipeline/review/hold-rules-store.js';
import type { Storage } from '../../src/store/storage.js';
import type { OpenDocuments } from '../../src/store/tenant-documents.js';
import { openPeppolStore, type PeppolStore } from '../../src/tenants/peppol/peppol-store.js';
import { openTenantLimitsStore, type TenantLimitsStore } from '../../src/tenants/tenant-limits-store.js';

/** The five per-tenant settings stores of one node (or one worker process), as the gateway opens them. */
export interface TenantSettingsStores {
  readonly limits: TenantLimitsStore;
  readonly content: ContentSettingsStore;
  readonly holdRules: HoldRulesStore;
  readonly alerts: AlertStore;
  readonly peppol: PeppolStore;
  close(): Promise<void>;
}

export async function openTenantSettingsStores(storage: Storage, open?: OpenDocuments): Promise<TenantSettingsStores> {
  const limits = await openTenantLimitsStore(storage, open);
  const content = await openContentSettingsStore(storage, open);
  const holdRules = await openHoldRulesStore(storage, open);
  const alerts = await openAlertStore(storage, open);
  const peppol = await openPeppolStore(storage, open);
  return {
    limits,
    content,
    holdRules,
    alerts,
    peppol,
    async close() {
      for (const store of [limits, content, holdRules, alerts, peppol]) await store.close();
    },
  };
}

export const contentOn = (updatedAt: number): StoredContentSettings => ({
  enabled: true,
  settings: contentSettingsSchema.parse({}),
  updatedAt,
});
