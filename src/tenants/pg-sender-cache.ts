import type pg from 'pg';
import type { LocalPartReader } from './local-part-registry.js';
import type { SenderSettings } from './sender-settings.js';

/**
 * One node's copy of `sender_settings` (pg-sender-settings-store.ts): the settings per tenant as
 * JSON text (parsed on every get: each caller gets its own object, as with LMDB) and the index
 * local part → tenant that the rows' `local_part` column makes unique.
 */
export interface SenderCache extends LocalPartReader {
  set(tenantId: string, settings: SenderSettings | string | undefined): void;
  tenantIds(): IterableIterator<string>;
  /** Re-reads one tenant's row (a notification named it). */
  refresh(client: pg.ClientBase, tenantId: string): Promise<void>;
  /** Replaces everything with the table's rows. */
  reload(client: pg.ClientBase): Promise<void>;
}

export function senderCache(reserved: (localPart: string) => boolean): SenderCache {
  const texts = new Map<string, string>();
  const localParts = new Map<string, string>();
  const index = new Map<string, string>();
  const set = (tenantId: string, settings: SenderSettings | string | undefined) => {
    const old = localParts.get(tenantId);
    if (old !== undefined && index.get(old) === tenantId) index.delete(old);
    localParts.delete(tenantId);
    if (settings === undefined) return void texts.delete(tenantId);
    const text = typeof settings === 'string' ? settings : JSON.stringify(settings);
    const localPart = (JSON.parse(text) as SenderSettings).localPart;
    texts.set(tenantId, text);
    if (localPart === undefined) return;
    localParts.set(tenantId, localPart);
    index.set(localPart, tenantId);
  };
  return {
    settings: {
      get: (tenantId) => {
        const text = texts.get(tenantId);
        return text === undefined ? undefined : (JSON.parse(text) as SenderSettings);
      },
    },
    index,
    reserved,
    set,
    tenantIds: () => texts.keys(),
    async refresh(client, tenantId) {
      const { rows } = await client.query<{ doc: string }>(
        'SELECT doc::text AS doc FROM sender_settings WHERE tenant_id = $1',
        [tenantId],
      );
      set(tenantId, rows[0]?.doc);
    },
    async reload(client) {
      const { rows } = await client.query<{ tenant_id: string; doc: string }>(
        'SELECT tenant_id, doc::text AS doc FROM sender_settings',
      );
      texts.clear();
      localParts.clear();
      index.clear();
      for (const row of rows) set(row.tenant_id, row.doc);
    },
  };
}
