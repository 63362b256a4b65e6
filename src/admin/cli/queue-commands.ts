import { cliStorage } from './cli-storage.js';
import { pino } from 'pino';
import type { Config } from '../../config/schema.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { QueuedMessage, RecipientStatus } from '../../core/types.js';
import { openQueue, type LmdbQueue } from '../../queue/lmdb-queue.js';
import { recordCliChange } from './token-commands.js';

export interface QueueListInput {
  readonly tenantId?: string;
  readonly status?: RecipientStatus;
  readonly limit: number;
}

/**
 * The queue of the running gateway (in `<dataDir>/db`); LMDB lets both processes use it. On PostgreSQL the
 * command refuses rather than show this machine's empty LMDB queue: opening the shared queue would make the CLI a
 * node (claims, leases, a listener), so there the API's message log and actions are the way.
 */
async function withQueue<T>(config: Config, action: (queue: LmdbQueue) => Promise<T> | T): Promise<T> {
  if (config.store.backend === 'postgres')
    throw new GatewayError(
      'E_INVALID',
      'the queue commands read the LMDB queue of this machine; with store.backend: postgres use the API ' +
        '(GET /api/v1/messages, POST /api/v1/messages/{id}/retry) of any node',
    );
  const queue = openQueue({
    storage: cliStorage(config),
    retry: config.queue.retry,
    logger: pino({ level: 'silent' }),
  });
  try {
    return await action(queue);
  } finally {
    await queue.close();
  }
}

const STATUSES: readonly RecipientStatus[] = [
  'queued',
  'deferred',
  'held',
  'delivered',
  'bounced',
  'expired',
  'cancelled',
];

/** `--status` text → status; throws E_INVALID naming the choices. */
export function parseStatus(text: string): RecipientStatus {
  const found = STATUSES.find((s) => s === text);
  if (!found) throw new GatewayError('E_INVALID', `--status must be one of ${STATUSES.join(', ')}`);
  return found;
}

/** `postbode queue list`: the message log, newest first, as aligned columns. */
export async function queueList(config: Config, input: QueueListInput): Promise<string> {
  const page = await withQueue(config, (queue) =>
    queue.list({ tenantId: input.tenantId, status: input.status, limit: input.limit }),
  );
  if (page.messages.length === 0) return 'No messages.';
  const rows = page.messages.map((m) => [
    m.id,
    m.tenantId,
    new Date(m.receivedAt).toISOString(),
    statusCounts(m),
    m.subject ?? '',
  ]);
  const lines = columns([['ID', 'TENANT', 'RECEIVED', 'RECIPIENTS', 'SUBJECT'], ...rows]);
  return page.next === undefined ? lines : `${lines}\n(more: the API pages on with before=${page.next})`;
}

/**
 * `postbode queue retry <id>`: deferred recipients become due now; the gateway picks them up within its poll interval.
 */
export async function queueRetry(config: Config, id: string, now: number): Promise<string> {
  const msg = await withQueue(config, (queue) => queue.retryNow(id, now));
  await recordCliChange(config, now, {
    route: 'queue retry',
    targetId: id,
    tenantId: msg.tenantId,
    fieldsChanged: ['status'],
  });
  return `Message ${id}: ${statusCounts(msg)}; due recipients are sent on the gateway's next scan.`;
}

/** "queued:1 delivered:2" */
function statusCounts(m: QueuedMessage): string {
  const counts = new Map<string, number>();
  for (const r of m.recipients) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status}:${n}`).join(' ');
}

function columns(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
