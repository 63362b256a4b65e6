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
  const links = new LinkCache();
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: `loading the ${options.label} links`,
    reload: async (client) => {
      const { rows } = await client.query<{ tenant_id: string; link: string; version: string; floor: string }>(
        `SELECT tenant_id, link::text AS link, version, ${LAST_VERSION} AS floor FROM mailbox_links
         WHERE provider = $1
         UNION ALL SELECT NULL, NULL, NULL, ${LAST_VERSION}`,
        [provider],
      );
      links.reload(
        rows.filter((r) => r.tenant_id !== null),
        Number(rows.find((r) => r.tenant_id === null)?.floor ?? 0),
      );
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
      const text = links.text(tenantId);
      return text === undefined ? undefined : (JSON.parse(text) as L);
    },
    async updateLink(tenantId, change) {
      const { next, version } = await inTransaction(pool, `storing the ${options.label} link`, async (client) => {
        // Two nodes changing one tenant's link take turns; the row may not exist yet, hence a lock of its own.
        await lockKey(client, `mailbox-link:${provider}:${tenantId}`);
        const { rows } = await client.query<{ link: string }>(
          'SELECT link::text AS link FROM mailbox_links WHERE provider = $1 AND tenant_id = $2',
          [provider, tenantId],
        );
        const current = rows[0] === undefined ? undefined : (JSON.parse(rows[0].link) as L);
        const changed = change(current);
        const written =
          changed === undefined
            ? await client.query<{ version: string }>(
                // The removal gets a version of its own: newer than the row it removes.
                `WITH gone AS (DELETE FROM mailbox_links WHERE provider = $1 AND tenant_id = $2)
                 SELECT nextval('mailbox_links_version') AS version`,
                [provider, tenantId],
              )
            : await client.query<{ version: string }>(
                `INSERT INTO mailbox_links (provider, tenant_id, version, link)
                 VALUES ($1, $2, nextval('mailbox_links_version'), $3)
                 ON CONFLICT (provider, tenant_id) DO UPDATE SET link = EXCLUDED.link, version = EXCLUDED.version
                 RETURNING version`,
                [provider, tenantId, JSON.stringify(changed)],
              );
        return { next: changed, version: written.rows[0] === undefined ? 0 : Number(written.rows[0].version) };
      });
      // This node reads its own write at once (the NOTIFY brings it a moment later), unless the listener
      // already applied something newer.
      links.own(tenantId, next === undefined ? undefined : JSON.stringify(next), version);
      return next;
    },
    async putState(state, pending, now) {
      await inTransaction(pool, `storing a ${options.label} sign-in`, async (client) => {
        // Abandoned consent screens go on the way.
        await client.query('DELETE FROM mailbox_link_states WHERE provider = $1 AND expires_at <= $2', [provider, now]);
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
        pool.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM mailbox_link_states WHERE provider = $1', [
          provider,
        ]),
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

/** The highest link version handed out so far: no committed row has a higher one. */
const LAST_VERSION = "COALESCE(pg_sequence_last_value('mailbox_links_version'), 0)";

async function refreshLink(
  client: pg.ClientBase,
  provider: LinkProvider,
  tenantId: string,
  links: LinkCache,
): Promise<void> {
  const { rows } = await client.query<{ link: string | null; version: string | null; floor: string }>(
    `SELECT l.link::text AS link, l.version, ${LAST_VERSION} AS floor
     FROM (SELECT 1) AS one LEFT JOIN mailbox_links l ON l.provider = $1 AND l.tenant_id = $2`,
    [provider, tenantId],
  );
  const row = rows[0];
  if (row?.link == null) links.heard(tenantId, undefined, Number(row?.floor ?? 0));
  else links.heard(tenantId, row.link, Number(row.version));
}

interface Cached {
  /** The link's JSON text (parsed on every read: each caller its own object); undefined: no link. */
  readonly text: string | undefined;
  readonly version: number;
}

/**
 * A node's links. The listener's reads come in order, each at least as fresh as the one before, so
 * they always apply; a node's own write applies only when it is newer than what the listener (or
 * the last reload) saw, so a write whose commit raced a newer one on another node never sticks.
 */
class LinkCache {
  private readonly byTenant = new Map<string, Cached>();
  /** Versions up to this were in the database at the last reload. */
  private floor = 0;

  text(tenantId: string): string | undefined {
    return this.byTenant.get(tenantId)?.text;
  }

  keys(): IterableIterator<string> {
    return [...this.byTenant]
      .filter(([, c]) => c.text !== undefined)
      .map(([id]) => id)
      [Symbol.iterator]();
  }

  reload(rows: ReadonlyArray<{ tenant_id: string; link: string; version: string }>, floor: number): void {
    this.byTenant.clear();
    this.floor = floor;
    for (const row of rows) this.byTenant.set(row.tenant_id, { text: row.link, version: Number(row.version) });
  }

  heard(tenantId: string, text: string | undefined, version: number): void {
    this.byTenant.set(tenantId, { text, version });
  }

  own(tenantId: string, text: string | undefined, version: number): void {
    const known = Math.max(this.floor, this.byTenant.get(tenantId)?.version ?? 0);
    if (version > known) this.byTenant.set(tenantId, { text, version });
  }
}
