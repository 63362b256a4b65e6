import type { Storage } from '../../store/storage.js';
import { tenantDocumentsIn, type TenantDocuments } from '../../store/tenant-documents.js';
import type { AlertItem } from './alert-mail.js';

/**
 * When a tenant hears of an invoice that did not arrive: `immediate` (one short mail per failed recipient), `daily`
 * (one digest a day listing them), or `off`. `deferredAfterHours`: a client recipient still deferred this long after
 * the message came in is reported too; null: only bounces.
 */
export interface BounceAlertSettings {
  readonly mode: 'off' | 'immediate' | 'daily';
  readonly deferredAfterHours: number | null;
}

export const DEFAULT_ALERT_SETTINGS: BounceAlertSettings = { mode: 'immediate', deferredAfterHours: 24 };

/** What the alerts remember per tenant: events already told (one alert per recipient per event) and the digest. */
export interface AlertState {
  /** `queueId|address|event`, newest last, at most MAX_MARKS. */
  readonly marks: readonly string[];
  /** Items waiting for the daily digest, at most MAX_PENDING (the oldest go first when more fail). */
  readonly pending: readonly AlertItem[];
  readonly lastDigestAt?: number;
}

/** A day of heavy bouncing fits: an alert older than this many marks cannot be repeated by a late retry anyway. */
export const MAX_MARKS = 5_000;
export const MAX_PENDING = 200;

export interface AlertStore {
  readonly settings: TenantDocuments<BounceAlertSettings>;
  readonly state: TenantDocuments<AlertState>;
  settingsOf(tenantId: string): BounceAlertSettings;
  close(): Promise<void>;
}

/** `bounce-alerts/…` in the storage: the settings and the state, one JSON document per tenant each. */
export function openAlertStore(storage: Storage): AlertStore {
  const root = storage.open('bounce-alerts');
  const settings = tenantDocumentsIn<BounceAlertSettings>(root, 'settings');
  const state = tenantDocumentsIn<AlertState>(root, 'state');
  return {
    settings,
    state,
    settingsOf: (tenantId) => settings.get(tenantId) ?? DEFAULT_ALERT_SETTINGS,
    close: () => root.close(),
  };
}
