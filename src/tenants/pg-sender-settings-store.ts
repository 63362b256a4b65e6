import type pg from 'pg';
import { GatewayError } from '../core/gateway-error.js';
import { pgListener } from '../store/postgres/pg-listener.js';
import { inTransaction, isUniqueViolation, lockKey } from '../store/postgres/pg-transaction.js';
import { isReservedLocalPart } from './local-part.js';
import {
  freeLocalPart,
  LOCAL_PART_NOT_AVAILABLE,
  localPartOwner,
  withClaimedLocalPart,
} from './local-part-registry.js';
import { senderCache, type SenderCache } from './pg-sender-cache.js';
import type { SenderSettingsStore, SenderStoreOptions } from './sender-settings-store.js';
import { DEFAULT_SENDER_SETTINGS, defaultLocalPart, type SenderSettings } from './sender-settings.js';

const CHANNEL = 'postbode_sender_settings';
const LOCAL_PART_UNIQUE = 'sender_settings_local_part_unique';
/** Variants tried per tenant when another node claimed the chosen one in the meantime. */
const CLAIM_TRIES = 5;

export interface PgSenderStoreOptions extends SenderStoreOptions {
  /** The connection that listens for changes failed; the store reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

/**
 * SenderSettingsStore on PostgreSQL (migration 006): a row per tenant in `sender_settings`, its
 * forwarding local part in a column with a unique index, so a claim is the write that stores the
 * settings naming it and two nodes claiming one local part cannot both commit. Reads are per
 * message and synchronous: they come from this node's cache (pg-sender-cache.ts), loaded at open
 * and kept fresh by NOTIFY (pg-listener.ts). A variant chosen from the cache is only a proposal:
 * the unique index has the last word.
 */
export async function openPgSenderSettingsStore(
  pool: pg.Pool,
  opts: PgSenderStoreOptions = {},
): Promise<SenderSettingsStore> {
  const bounce = opts.bounceLocalPart ?? 'bounces';
  const reserved = (lp: string): boolean => isReservedLocalPart(lp, bounce);
  const cache = senderCache(reserved);
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: 'loading sender settings',
    reload: (client) => cache.reload(client),
    refresh: (client, tenantId) => cache.refresh(client, tenantId),
    ...(opts.onListenError ? { onListenError: opts.onListenError } : {}),
  });
  await listener.start();
  return {
    get: (tenantId) => cache.settings.get(tenantId) ?? DEFAULT_SENDER_SETTINGS,
    localPartOwner: (localPart) => localPartOwner(cache, localPart),
    isReservedLocalPart: reserved,
    freeLocalPart: (base, tenantId) => freeLocalPart(cache, base, tenantId),
    async update(tenantId, change) {
      const next = await inTransaction(pool, 'updating sender settings', async (client) => {
        const current = (await lockedRow(client, tenantId)) ?? DEFAULT_SENDER_SETTINGS;
        const next = change(current);
        if (typeof next !== 'object' || next === null)
          throw new GatewayError('E_INVALID', 'sender settings must be an object');
        if (next.localPart !== current.localPart && next.localPart !== undefined && reserved(next.localPart))
          throw new GatewayError('E_NOT_AVAILABLE', LOCAL_PART_NOT_AVAILABLE);
        await storeRow(client, tenantId, next);
        return next;
      });
      cache.set(tenantId, next);
      return next;
    },
    async remove(tenantId) {
      await inTransaction(pool, 'removing sender settings', (client) =>
        client.query('DELETE FROM sender_settings WHERE tenant_id = $1', [tenantId]),
      );
      cache.set(tenantId, undefined);
    },
    tenantIds: () => cache.tenantIds(),
    register: (tenants) => register(pool, cache, tenants),
    close: async () => listener.stop(),
  };
}

type Registered = Array<{ tenantId: string; wanted: string; given: string }>;

/**
 * Each tenant without a local part gets its default or a free variant, in one transaction, in the
 * order given. Nodes starting at once take turns (a lock), so the later finds the claims made.
 */
async function register(
  pool: pg.Pool,
  cache: SenderCache,
  tenants: ReadonlyArray<{ readonly id: string; readonly smtpUsername: string }>,
): Promise<Registered> {
  const unclaimed = tenants.filter((t) => cache.settings.get(t.id)?.localPart === undefined);
  if (unclaimed.length === 0) return [];
  const view = overlay(cache);
  const out = await inTransaction(pool, 'claiming local parts', async (client) => {
    await lockKey(client, 'sender_settings:register');
    const given: Registered = [];
    for (const t of unclaimed) given.push(...(await claimDefault(client, view, t)));
    return given;
  });
  for (const [tenantId, settings] of view.written) cache.set(tenantId, settings);
  return out;
}

async function claimDefault(
  client: pg.PoolClient,
  view: Overlay,
  t: { readonly id: string; readonly smtpUsername: string },
): Promise<Registered> {
  const stored = await lockedRow(client, t.id);
  if (stored?.localPart !== undefined) return []; // claimed meanwhile (by another node): the column is the claim
  const current = stored ?? DEFAULT_SENDER_SETTINGS;
  const wanted = defaultLocalPart(t.smtpUsername);
  for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
    const next = withClaimedLocalPart(view, t.id, current, wanted);
    await client.query('SAVEPOINT claim');
    try {
      await storeRow(client, t.id, next);
      await client.query('RELEASE SAVEPOINT claim');
      view.write(t.id, next);
      return wanted !== next.localPart ? [{ tenantId: t.id, wanted, given: next.localPart ?? '' }] : [];
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== 'E_NOT_AVAILABLE') throw err;
      // The cache did not know that claim yet: learn its owner from the database and choose again.
      await client.query('ROLLBACK TO SAVEPOINT claim');
      await view.learn(client, next.localPart ?? '');
    }
  }
  throw new GatewayError('E_NOT_AVAILABLE', LOCAL_PART_NOT_AVAILABLE);
}

/** The cache with the writes of one transaction (and what it learnt from the database) on top. */
interface Overlay extends SenderCache {
  readonly written: Map<string, SenderSettings>;
  write(tenantId: string, settings: SenderSettings): void;
  learn(client: pg.PoolClient, localPart: string): Promise<void>;
}

function overlay(cache: SenderCache): Overlay {
  const written = new Map<string, SenderSettings>();
  const index = new Map<string, string>();
  const write = (tenantId: string, settings: SenderSettings) => {
    written.set(tenantId, settings);
    if (settings.localPart !== undefined) index.set(settings.localPart, tenantId);
  };
  return {
    ...cache,
    settings: { get: (tenantId) => written.get(tenantId) ?? cache.settings.get(tenantId) },
    index: { get: (localPart) => index.get(localPart) ?? cache.index.get(localPart) },
    written,
    write,
    async learn(client, localPart) {
      const { rows } = await client.query<{ tenant_id: string; doc: SenderSettings }>(
        'SELECT tenant_id, doc FROM sender_settings WHERE local_part = $1',
        [localPart],
      );
      const row = rows[0];
      if (row) write(row.tenant_id, row.doc);
    },
  };
}

async function lockedRow(client: pg.PoolClient, tenantId: string): Promise<SenderSettings | undefined> {
  // The lock also covers a tenant without a row yet, which FOR UPDATE cannot.
  await lockKey(client, `sender_settings:${tenantId}`);
  const { rows } = await client.query<{ doc: SenderSettings }>('SELECT doc FROM sender_settings WHERE tenant_id = $1', [
    tenantId,
  ]);
  return rows[0]?.doc;
}

/** Stores the settings and, by the same row, the claim of their local part (E_NOT_AVAILABLE when another holds it). */
async function storeRow(client: pg.PoolClient, tenantId: string, settings: SenderSettings): Promise<void> {
  try {
    await client.query(
      `INSERT INTO sender_settings (tenant_id, local_part, doc) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET local_part = EXCLUDED.local_part, doc = EXCLUDED.doc`,
      [tenantId, settings.localPart ?? null, JSON.stringify(settings)],
    );
  } catch (err) {
    if (isUniqueViolation(err, LOCAL_PART_UNIQUE)) throw new GatewayError('E_NOT_AVAILABLE', LOCAL_PART_NOT_AVAILABLE);
    throw err;
  }
}
