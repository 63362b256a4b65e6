import { open, type Database } from 'lmdb';
import { GatewayError } from '../core/gateway-error.js';
import { DEFAULT_SENDER_SETTINGS, type SenderSettings } from './sender-settings.js';

/**
 * Sender settings per tenant in their own LMDB environment (`<dataDir>/sender`). Read per
 * message (µs) and never cached in the process: several nodes may share the config later.
 */
export interface SenderSettingsReader {
  /** The stored settings, or the defaults for a tenant that never saved any. */
  get(tenantId: string): SenderSettings;
}

export interface SenderSettingsStore extends SenderSettingsReader {
  /** Replaces the settings in one transaction: `change` gets the current ones and returns the next. */
  update(tenantId: string, change: (current: SenderSettings) => SenderSettings): Promise<SenderSettings>;
  remove(tenantId: string): Promise<void>;
  /** Tenants with stored settings (the tenant purge looks for deleted ones). */
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

export function openSenderSettingsStore(path: string): SenderSettingsStore {
  const root = open({ path, maxDbs: 2 });
  const settings: Database<SenderSettings, string> = root.openDB({ name: 'sender-settings', encoding: 'json' });
  const read = (tenantId: string): SenderSettings => settings.get(tenantId) ?? DEFAULT_SENDER_SETTINGS;
  return {
    get: read,
    async update(tenantId, change) {
      return root.transactionSync(() => {
        const next = change(read(tenantId));
        if (typeof next !== 'object' || next === null) throw new GatewayError('E_INVALID', 'sender settings must be an object');
        settings.putSync(tenantId, next);
        return next;
      });
    },
    async remove(tenantId) { await settings.remove(tenantId); },
    tenantIds: () => settings.getKeys(),
    async close() { await root.close(); },
  };
}
