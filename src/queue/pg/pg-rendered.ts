import type pg from 'pg';
import { mergeRendered, type RenderedDelivery, type RenderedMessage } from '../../core/rendered.js';
import type { RenderedRecord } from '../rendered-records.js';

interface RenderedRow {
  readonly record: RenderedRecord;
  readonly parts: Buffer[];
}

/** The deliveries without their bytes, and each distinct rendered message once (VERP deliveries share one). */
function split(message: RenderedMessage): RenderedRow {
  const index = new Map<Buffer, number>();
  const deliveries = message.deliveries.map((d) => {
    let part = index.get(d.raw);
    if (part === undefined) {
      part = index.size;
      index.set(d.raw, part);
    }
    return {
      route: d.route,
      recipients: [...d.recipients],
      from: d.from,
      part,
      ...(d.note === undefined ? {} : { note: d.note }),
    };
  });
  const reviewed = message.reviewed === true ? { reviewed: true as const } : {};
  return {
    record: { fingerprint: message.fingerprint, parts: index.size, deliveries, ...reviewed },
    parts: [...index.keys()],
  };
}

function join(row: RenderedRow): RenderedMessage | undefined {
  if (row.parts.length !== row.record.parts) return undefined; // torn: the planner renders again
  const deliveries = row.record.deliveries.map(
    (d): RenderedDelivery => ({
      route: d.route,
      recipients: d.recipients,
      from: d.from,
      raw: row.parts[d.part] as Buffer,
      ...(d.note === undefined ? {} : { note: d.note }),
    }),
  );
  return { fingerprint: row.record.fingerprint, deliveries, ...(row.record.reviewed ? { reviewed: true } : {}) };
}

/** Inside the caller's transaction: `message` replaces what the message kept. */
export async function writeRenderedIn(client: pg.ClientBase, id: string, message: RenderedMessage): Promise<void> {
  const { record, parts } = split(message);
  await client.query(
    `INSERT INTO queue_rendered (id, record, parts) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, parts = EXCLUDED.parts`,
    [id, JSON.stringify(record), parts],
  );
}

export async function readRenderedFrom(db: pg.ClientBase | pg.Pool, id: string): Promise<RenderedMessage | undefined> {
  const { rows } = await db.query<RenderedRow>('SELECT record, parts FROM queue_rendered WHERE id = $1', [id]);
  return rows[0] === undefined ? undefined : join(rows[0]);
}

/** Inside a transaction holding the message's row: merges `next` into what it keeps (mergeRendered). */
export async function keepRenderedIn(client: pg.ClientBase, id: string, next: RenderedMessage): Promise<void> {
  const { rows } = await client.query<{ fingerprint: string }>(
    "SELECT record->>'fingerprint' AS fingerprint FROM queue_rendered WHERE id = $1",
    [id],
  );
  // Only the same settings keep older deliveries: read their bytes only then.
  const old = rows[0]?.fingerprint === next.fingerprint ? await readRenderedFrom(client, id) : undefined;
  await writeRenderedIn(client, id, mergeRendered(old, next));
}
