import { pino } from 'pino';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventType } from '../../src/core/events.js';
import { newQueueId } from '../../src/core/ids.js';
import type { NewMessage } from '../../src/core/types.js';
import { openPgQueue, type PgQueue } from '../../src/queue/pg/pg-queue.js';
import { pgNodes, type PgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

/**
 * The PostgreSQL queue writes a change's webhook events into `webhook_outbox` in the change's own
 * transaction: a change that commits has its events there, one that fails (here at COMMIT, after
 * the events were written, by a deferred trigger) leaves none, and a tenant nobody listens to none.
 */
const logger = pino({ level: 'silent' });
const retry = { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 90 * 86_400_000, jitter: 0 };
const wanted = (tenantId: string, _type: EventType) => tenantId === 'hooked';
let cluster: TestPostgres;
let nodes: PgNodes;
let queue: PgQueue | undefined;

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterEach(async () => {
  await queue?.close();
  queue = undefined;
  await nodes?.end();
});

afterAll(async () => {
  await cluster?.stop();
});

function mail(tenantId: string): NewMessage {
  const receivedAt = Date.now();
  return {
    id: newQueueId(receivedAt),
    tenantId,
    kind: 'mail',
    envelope: { from: 'a@example.test', to: ['b@example.test'] },
    receivedAt,
    client: { address: '127.0.0.1', helo: 'invoicing' },
    messageId: `<${receivedAt}.${Math.random()}@example.test>`,
  };
}

const body = Buffer.from('Subject: x\r\n\r\nhello\r\n');
const OK = { code: 250, enhanced: '2.0.0', text: 'ok' };

async function outbox(pool: pg.Pool): Promise<Array<{ type: string; queueId: string }>> {
  const { rows } = await pool.query<{ type: string; queue_id: string }>(
    "SELECT event->>'type' AS type, event->'data'->>'queueId' AS queue_id FROM webhook_outbox ORDER BY id",
  );
  return rows.map((r) => ({ type: r.type, queueId: r.queue_id }));
}

/** Every write to queue_messages fails at COMMIT, after the statements of its transaction ran. */
async function failAtCommit(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused at commit'; END; $$`);
  await pool.query(`CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT OR UPDATE ON queue_messages
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse()`);
}

describe('the webhook outbox on PostgreSQL', () => {
  it("a committed accept and change have their events in the outbox; another tenant's have none", async () => {
    nodes = await pgNodes(cluster);
    const pool = nodes.node();
    queue = await openPgQueue({ pool, nodeId: 'a', retry, logger, interest: wanted });
    const hooked = await queue.enqueue(mail('hooked'), body);
    const other = await queue.enqueue(mail('quiet'), body);
    expect(await outbox(pool)).toEqual([{ type: 'message.accepted', queueId: hooked.id }]);
    await queue.record(hooked.id, [{ address: 'b@example.test', outcome: 'delivered', reply: OK }], Date.now());
    await queue.record(other.id, [{ address: 'b@example.test', outcome: 'delivered', reply: OK }], Date.now());
    await queue.hold((await queue.resend(hooked.id, mail('hooked'), body)).id, Date.now(), 'check');
    const types = (await outbox(pool)).map((e) => e.type);
    expect(types).toEqual(['message.accepted', 'message.delivered', 'message.accepted', 'message.held']);
  });

  it('an accept or a change that fails at commit leaves no event, though its events were written first', async () => {
    nodes = await pgNodes(cluster);
    const pool = nodes.node();
    queue = await openPgQueue({ pool, nodeId: 'a', retry, logger, interest: wanted });
    const kept = await queue.enqueue(mail('hooked'), body);
    await pool.query('DELETE FROM webhook_outbox');
    await failAtCommit(pool);
    await expect(queue.enqueue(mail('hooked'), body)).rejects.toMatchObject({ code: 'E_STORAGE' });
    await expect(queue.cancel(kept.id, Date.now(), 'no')).rejects.toMatchObject({ code: 'E_STORAGE' });
    expect(await outbox(pool)).toEqual([]);
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM queue_messages');
    expect(Number(rows[0]?.n)).toBe(1);
    expect((await queue.get(kept.id))?.recipients[0]?.status).toBe('queued');
  });
});
