import { createHash } from 'node:crypto';
import type pg from 'pg';
import { storageCall } from '../../store/postgres/pg-errors.js';
import { pgListener } from '../../store/postgres/pg-listener.js';
import { inTransaction, lockKey } from '../../store/postgres/pg-transaction.js';

/** The channel of migration 010's trigger: `<provider> <tenant>` for every changed link. */
const CHANNEL = 'postbode_mailbox_links';

/** Which mailbox provider's rows a store reads (one column of migration 010's tables). */
export type LinkProvider = 'gmail' | 'microsoft';

/** A consent flow in progress as every provider stores it. */
export interface PendingFlow {
  readonly tenantId: string;
  readonly expiresAt: number;
}

/**
 * The link and consent-flow side of a mailbox store on PostgreSQL, the same for Gmail and
 * Microsoft 365 (one `provider` column apart). Links are read per message, so every node keeps
 * them in memory, loaded at open and re-read on the table's NOTIFY (pg-listener.ts): a link made
 * or broken on one node reaches the others within a round trip. Consent flows are never cached:
 * the callback may land on any node, and a state works once (DELETE … RETURNING).
 */
export interface PgLinkTables<L, P extends PendingFlow> {
  link(tenantId: string): L | undefined;
  updateLink(tenantId: string, change: (current: L | undefined) => L | undefined): Promise<L | undefined>;
  putState(state: string, pending: P, now: number): Promise<void>;
  takeState(state: string, now: number): Promise<P | undefined>;
  /** Tenants with a link or a consent flow in progress. */
  linkTenantIds(): Promise<Set<string>>;
  /** Drops the tenant's consent flows; how many. */
  forgetStates(tenantId: string): Promise<number>;
  close(): Promise<void>;
}

export interface PgLinkTablesOptions {
  /** Named in the E_STORAGE errors, e.g. 'Gmail'. */
  readonly label: string;
  /** The listening connection failed; the store reconnects and reloads by itself. */
  readonly onListenError?: (err: Error) => void;
}

/** States are stored by hash: the database never holds a usable one. */
function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

export async function openPgLinkTables<L, P extends PendingFlow>(
  pool: pg.Pool,
  provider: LinkProvider,
  options: PgLinkTablesOptions,
): Promise<PgLinkTables<L, P>> {
  // The JSON text of every link of this provider, by tenant: parsed on every read (each caller its own object).
  const links = new Map<string, string>();
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: `loading the ${options.label} links`,
    reload: async (client) => {
      const { rows } = await client.query<{ tenant_id: string; link: string }>(
        'SELECT tenant_id, link::text AS link FROM mailbox_links WHERE provider = $1',
        [provider],
      );
      links.clear();
      for (const row of rows) links.set(row.tenant_id, row.link);
    },
    refresh: async (client, payload) => {
      const space = payload.indexOf(' ');
      if (payload.slice(0, space) !== provider) return;
      await refreshLink(client, provider, payload.slice(space + 1), links);
    },
    ...(options.onListenError ? { onListenError: options.onListenError } : {}),
  });
  await listener.start();
  let closed = false;

  return {
    link(tenantId) {
      const text = links.get(tenantId);
      return text === undefined ? undefined : (JSON.parse(text) as L);
    },
    async updateLink(tenantId, change) {
      const next = await inTransaction(pool, `storing the ${options.label} link`, async (client) => {
        // Two nodes changing one tenant's link take turns; the row may not exist yet, hence a lock of its own.
        await lockKey(client, `mailbox-link:${provider}:${tenantId}`);
        const { rows } = await client.query<{ link: string }>(
          'SELECT link::text AS link FROM mailbox_links WHERE provider = $1 AND tenant_id = $2',
          [provider, tenantId],
        );
        const current = rows[0] === undefined ? undefined : (JSON.parse(rows[0].link) as L);
        const changed = change(current);
        if (changed === undefined)
          await client.query('DELETE FROM mailbox_links WHERE provider = $1 AND tenant_id = $2', [provider, tenantId]);
        else
          await client.query(
            `INSERT INTO mailbox_links (provider, tenant_id, link) VALUES ($1, $2, $3)
             ON CONFLICT (provider, tenant_id) DO UPDATE SET link = EXCLUDED.link`,
            [provider, tenantId, JSON.stringify(changed)],
          );
        return changed;
      });
      // This node reads its own write at once; the NOTIFY brings the same row a moment later.
      if (next === undefined) links.delete(tenantId);
      else links.set(tenantId, JSON.stringify(next));
      return next;
    },
    async putState(state, pending, now) {
      await inTransaction(pool, `storing a ${options.label} sign-in`, async (client) => {
        // Abandoned consent screens go on the way.
        await client.query('DELETE FROM mailbox_link_states WHERE provider = $1 AND expires_at <= $2', [
          provider,
          now,
        ]);
        await client.query(
          `INSERT INTO mailbox_link_states (provider, state_hash, tenant_id, expires_at, pending)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (provider, state_hash) DO UPDATE
             SET tenant_id = EXCLUDED.tenant_id, expires_at = EXCLUDED.expires_at, pending = EXCLUDED.pending`,
          [provider, stateHash(state), pending.tenantId, pending.expiresAt, JSON.stringify(pending)],
        );
      });
    },
    async takeState(state, now) {
      // One statement: of two callbacks with one state, on any nodes, one gets the row.
      const { rows } = await storageCall(`reading a ${options.label} sign-in`, () =>
        pool.query<{ pending: string; expires_at: string }>(
          `DELETE FROM mailbox_link_states WHERE provider = $1 AND state_hash = $2
           RETURNING pending::text AS pending, expires_at`,
          [provider, stateHash(state)],
        ),
      );
      const row = rows[0];
      return row !== undefined && Number(row.expires_at) > now ? (JSON.parse(row.pending) as P) : undefined;
    },
    async linkTenantIds() {
      const { rows } = await storageCall(`listing the ${options.label} sign-ins`, () =>
        pool.query<{ tenant_id: string }>(
          'SELECT DISTINCT tenant_id FROM mailbox_link_states WHERE provider = $1',
          [provider],
        ),
      );
      return new Set([...links.keys(), ...rows.map((r) => r.tenant_id)]);
    },
    async forgetStates(tenantId) {
      const { rowCount } = await storageCall(`removing the ${options.label} sign-ins`, () =>
        pool.query('DELETE FROM mailbox_link_states WHERE provider = $1 AND tenant_id = $2', [provider, tenantId]),
      );
      return rowCount ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      listener.stop();
    },
  };
}

async function refreshLink(
  client: pg.ClientBase,
  provider: LinkProvider,
  tenantId: string,
  links: Map<string, string>,
): Promise<void> {
  const { rows } = await client.query<{ link: string }>(
    'SELECT link::text AS link FROM mailbox_links WHERE provider = $1 AND tenant_id = $2',
    [provider, tenantId],
  );
  const row = rows[0];
  if (row === undefined) links.delete(tenantId);
  else links.set(tenantId, row.link);
}
