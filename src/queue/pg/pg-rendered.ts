import type pg from 'pg';
import { mergeRendered, type RenderedMessage } from '../../core/rendered.js';
import { joinRendered, splitRendered, type RenderedRecord } from '../rendered-records.js';

interface RenderedRow {
  readonly record: RenderedRecord;
  readonly parts: Buffer[];
}

/** Inside the caller's transaction: `message` replaces what the message kept. */
export async function writeRenderedIn(client: pg.ClientBase, id: string, message: RenderedMessage): Promise<void> {
  const { record, parts } = splitRendered(message);
  await client.query(
    `INSERT INTO queue_rendered (id, record, parts) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, parts = EXCLUDED.parts`,
    [id, JSON.stringify(record), parts],
  );
}

export async function readRenderedFrom(db: pg.ClientBase | pg.Pool, id: string): Promise<RenderedMessage | undefined> {
  const { rows } = await db.query<RenderedRow>('SELECT record, parts FROM queue_rendered WHERE id = $1', [id]);
  return rows[0] === undefined ? undefined : joinRendered(rows[0].record, rows[0].parts);
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
