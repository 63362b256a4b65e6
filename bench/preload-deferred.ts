import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
/** Small bodies: the backlog is about index and scheduler cost, and 100,000 × 100 KB would not fit a test disk. */
const BODY = Buffer.from(`Subject: deferred\r\n\r\n${'x'.repeat(2_000)}\r\n`);
/** Enqueued at once: each batch shares its commits, as concurrent sessions would. */
const BATCH = 500;
/** Longer than any bench run: the backlog waits in the queue while the load runs, as a day of deferrals would. */
const RETRY = { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000, maxAgeMs: 5 * 86_400_000, jitter: 0 };

/**
 * Fills the queue the gateway will open (the data dir's LMDB, or the database at `url`) with `count` messages of
 * `tenantId`, each deferred once by its next hop: a receiver that greylists or is down for the day. Runs before the
 * gateway starts, through the same queue code (dist/), with the secret key the gateway will load from `dataDir`.
 */
export async function preloadDeferred(dataDir: string, tenantId: string, count: number, url?: string): Promise<void> {
  const { pino } = await import('pino');
  const logger = pino({ level: 'warn' });
  const { configSchema } = await import(join(root, 'dist/config/schema.js'));
  const { openStorage } = await import(join(root, 'dist/store/storage.js'));
  const { openSecretBox } = await import(join(root, 'dist/secrets/secret-box.js'));
  const { openQueueEngine } = await import(join(root, 'dist/compose/open-queue.js'));
  const { newQueueId } = await import(join(root, 'dist/core/ids.js'));
  const config = configSchema.parse({
    dataDir,
    queue: { retry: RETRY },
    ...(url ? { store: { backend: 'postgres', postgres: { url } } } : {}),
  });
  const storage = openStorage({ dataDir, logger });
  const secrets = await openSecretBox({ dataDir, logger });
  const engine = await openQueueEngine({
    config,
    storage,
    keyFingerprint: secrets.keyFingerprint(),
    logger,
    clock: () => Date.now(),
    delivers: false,
  });
  const started = Date.now();
  try {
    for (let done = 0; done < count; done += BATCH) {
      const now = Date.now();
      const ids: string[] = Array.from({ length: Math.min(BATCH, count - done) }, () => newQueueId(now));
      await Promise.all(
        ids.map(async (id) => {
          const to = `greylisted${id.toLowerCase()}@deferred.bench.test`;
          const message = {
            id,
            tenantId,
            kind: 'mail',
            envelope: { from: 'facturen@bench.test', to: [to] },
            receivedAt: now,
            client: { address: '127.0.0.1', helo: 'preload' },
            messageId: `<${id}@bench.test>`,
          };
          await engine.queue.enqueue(message, BODY);
          const reply = { code: 451, enhanced: '4.7.1', text: 'Greylisted, try again later' };
          await engine.queue.record(id, [{ address: to, outcome: 'deferred', reply }], now);
        }),
      );
    }
  } finally {
    await engine.queue.close();
    await engine.close();
    await storage.close();
  }
  console.log(`preloaded ${count} deferred messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
