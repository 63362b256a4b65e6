import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { openPgQueue } from '../../src/queue/pg/pg-queue.js';
import { pgNodes } from '../helpers/pg-nodes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { queueContract } from './queue-contract.js';

const logger = pino({ level: 'silent' });
let cluster: TestPostgres;

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

queueContract('PgQueue', async () => {
  const nodes = await pgNodes(cluster);
  const retry = { initialDelayMs: 60_000, maxDelayMs: 600_000, maxAgeMs: 90 * 86_400_000, jitter: 0.2 };
  const queue = await openPgQueue({ pool: nodes.node(), nodeId: 'node-a', retry, logger });
  return {
    queue,
    close: async () => {
      await queue.close();
      await nodes.end();
    },
  };
});
