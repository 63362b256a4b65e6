import type pg from 'pg';
import { pgListener } from '../store/postgres/pg-listener.js';
import { inTransaction } from '../store/postgres/pg-transaction.js';
import { KEEP_MS, summarise, type Complaint, type ComplaintEvents, type ComplaintStore } from './arf-store.js';

const CHANNEL = 'postbode_mx_complaints';

interface Row {
  readonly at: string;
  readonly queue_id: string;
  readonly recipient: string;
  readonly feedback_type: string;
}

const SELECT = 'SELECT at, queue_id, recipient, feedback_type FROM mx_complaints';

function complaintOf(row: Row): Complaint {
  return {
    at: Number(row.at),
    queueId: row.queue_id,
    ...(row.recipient === '' ? {} : { recipient: row.recipient }),
    feedbackType: row.feedback_type,
  };
}

/** Oldest first, as the LMDB keys order them. */
function ordered(rows: readonly Row[]): Complaint[] {
  return rows.map(complaintOf).sort((a, b) => a.at - b.at || (a.queueId < b.queueId ? -1 : 1));
}

/**
 * Complaints on PostgreSQL (migration 009, `mx_complaints`): a feedback-loop report received by
 * any node's MX counts in every node's complaint-rate view. The view is synchronous, so each node
 * serves it from a copy (loaded at open, a tenant re-read per NOTIFY: pg-listener.ts). The
 * `message.complaint` event is written after the commit into this node's outbox (where feedback
 * events go), as the opens on PostgreSQL do; a crash between the two loses that one event.
 */
export async function openPgComplaintStore(
  pool: pg.Pool,
  events?: ComplaintEvents,
  opts: { readonly onListenError?: (err: Error) => void } = {},
): Promise<ComplaintStore> {
  const byTenant = new Map<string, Complaint[]>();
  const remember = (tenantId: string, rows: readonly Row[]) => {
    if (rows.length === 0) byTenant.delete(tenantId);
    else byTenant.set(tenantId, ordered(rows));
  };
  const listener = pgListener(pool, {
    channel: CHANNEL,
    loading: 'loading the complaints',
    async reload(client) {
      const { rows } = await client.query<Row & { tenant_id: string }>(
        'SELECT tenant_id, at, queue_id, recipient, feedback_type FROM mx_complaints',
      );
      const grouped = new Map<string, Row[]>();
      for (const row of rows) grouped.set(row.tenant_id, [...(grouped.get(row.tenant_id) ?? []), row]);
      byTenant.clear();
      for (const [tenantId, ofTenant] of grouped) remember(tenantId, ofTenant);
    },
    async refresh(client, tenantId) {
      remember(tenantId, (await client.query<Row>(`${SELECT} WHERE tenant_id = $1`, [tenantId])).rows);
    },
    ...(opts.onListenError ? { onListenError: opts.onListenError } : {}),
  });
  await listener.start();
  return {
    async record(tenantId, complaint) {
      const message = events ? await events.message(complaint.queueId) : undefined;
      const rows = await inTransaction(pool, 'recording a complaint', async (client) => {
        await client.query('DELETE FROM mx_complaints WHERE tenant_id = $1 AND at < $2', [
          tenantId,
          complaint.at - KEEP_MS,
        ]);
        await client.query(
          `INSERT INTO mx_complaints (tenant_id, at, queue_id, recipient, feedback_type) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING`,
          [tenantId, complaint.at, complaint.queueId, complaint.recipient ?? '', complaint.feedbackType],
        );
        return (await client.query<Row>(`${SELECT} WHERE tenant_id = $1`, [tenantId])).rows;
      });
      remember(tenantId, rows);
      if (events && message?.tenantId === tenantId) {
        const extra = { feedbackType: complaint.feedbackType };
        await events.events.write('message.complaint', {
          message,
          recipient: complaint.recipient,
          at: complaint.at,
          extra,
        });
      }
    },
    summary: (tenantId, now) =>
      summarise(
        (byTenant.get(tenantId) ?? []).filter((c) => c.at >= now - KEEP_MS),
        now,
      ),
    tenantIds: () => new Set(byTenant.keys()),
    async forget(tenantId) {
      const { rowCount } = await inTransaction(pool, "removing a tenant's complaints", (client) =>
        client.query('DELETE FROM mx_complaints WHERE tenant_id = $1', [tenantId]),
      );
      byTenant.delete(tenantId);
      return rowCount ?? 0;
    },
    close: async () => listener.stop(),
  };
}
