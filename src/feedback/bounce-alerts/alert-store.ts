import type { Storage } from '../../store/storage.js';
import { lmdbDocuments, type OpenDocuments, type TenantDocuments } from '../../store/tenant-documents.js';
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

/**
 * `bounce-alerts/settings` and `bounce-alerts/state`, one JSON document per tenant each, on the
 * engine `open` gives (this node's LMDB or the shared PostgreSQL).
 */
export async function openAlertStore(
  storage: Storage,
  open: OpenDocuments = lmdbDocuments(storage),
): Promise<AlertStore> {
  const settings = await open<BounceAlertSettings>('bounce-alerts', 'settings');
  let state: TenantDocuments<AlertState>;
  try {
    state = await open<AlertState>('bounce-alerts', 'state');
  } catch (err) {
    await settings.close();
    throw err;
  }
  return {
    settings,
    state,
    settingsOf: (tenantId) => settings.get(tenantId) ?? DEFAULT_ALERT_SETTINGS,
    async close() {
      await settings.close();
      await state.close();
    },
  };
}
