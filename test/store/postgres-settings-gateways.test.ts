import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { testConfig, type TestGateway } from '../helpers/gateway-harness.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { ADMIN, api, PLATFORM, startSenderGateway } from '../helpers/sender-harness.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { waitFor } from '../helpers/wait-for.js';

/** Two gateways on one PostgreSQL: what one node's API saves of a tenant's settings, the other serves. */
let pg: TestPostgres;
let sink: Sink;
let a: TestGateway;
let b: Gateway;
let bNode: TestGateway;
/** The store reaches B within a second (postgres-tenant-settings.test.ts); this adds B's HTTP round trips. */
const SERVED_WITHIN_MS = 3_000;
/** Polls of B's API, spaced so they stay clear of its rate limit. */
const POLL_MS = 50;

beforeAll(async () => {
  pg = await startPostgres();
  sink = await startSink();
  const store = { backend: 'postgres', postgres: { url: await pg.freshDatabase() } };
  a = await startSenderGateway(sink.port, { store });
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-node-b-'));
  const config = testConfig(dataDir, sink.port, { platform: PLATFORM, store });
  b = await startGateway(config, pino({ level: 'silent' }), Date.now, {
    POSTBODE_ADMIN_TOKEN: ADMIN,
    POSTBODE_SECRET_KEY: 'ab'.repeat(32),
  });
  bNode = { ...a, gateway: b, dataDir, config };
}, 60_000);

afterAll(async () => {
  await b?.stop(2000);
  await a?.stop();
  await sink?.close();
  await pg?.stop();
});

describe('per-tenant settings on two gateways sharing one PostgreSQL', () => {
  it('limit overrides and content settings saved through node A are served by node B', async () => {
    const path = `/tenants/${a.tenantId}`;
    expect((await api(a, 'PUT', `${path}/limits`, { messagesPerHour: 7 })).status).toBe(200);
    expect((await api(a, 'PUT', `${path}/content`, { enabled: true })).status).toBe(200);
    const overridesOnB = async () =>
      (await api(bNode, 'GET', `${path}/limits`)).body.overrides as Record<string, unknown> | undefined;
    await waitFor(async () => (await overridesOnB())?.messagesPerHour === 7, SERVED_WITHIN_MS, 'the override', POLL_MS);
    expect(await overridesOnB()).toEqual({ messagesPerHour: 7 });
    await waitFor(
      async () => (await api(bNode, 'GET', `${path}/content`)).body.enabled === true,
      SERVED_WITHIN_MS,
      'the content settings on B',
      POLL_MS,
    );

    expect((await api(a, 'PUT', `${path}/limits`, { messagesPerHour: null })).status).toBe(200);
    await waitFor(
      async () => Object.keys((await overridesOnB()) ?? { not: 'yet' }).length === 0,
      SERVED_WITHIN_MS,
      'no override on B',
      POLL_MS,
    );
  });
});
