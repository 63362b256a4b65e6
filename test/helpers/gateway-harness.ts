import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { configSchema, type Config } from '../../src/config/schema.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { loadMigrations, migrate } from '../../src/store/postgres/migrate.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { openTenantStore } from '../../src/tenants/lmdb-tenant-store.js';
import { openPgTenantStore } from '../../src/tenants/pg-tenant-store.js';
import { addTenant } from '../../src/tenants/tenant-service.js';
import { storageAt } from './temp-storage.js';

export interface TestGateway {
  readonly gateway: Gateway;
  readonly dataDir: string;
  readonly config: Config;
  readonly user: string;
  readonly pass: string;
  readonly tenantId: string;
  stop(): Promise<void>;
}

/** Raw config for a test gateway on 127.0.0.1 ephemeral ports, relaying to `sinkPort`. */
export function testConfig(dataDir: string, sinkPort: number, extra: Record<string, unknown> = {}): Config {
  const base = {
    dataDir,
    hostname: 'gw.postbode.test',
    log: { level: 'silent' },
    smtp: {
      host: '127.0.0.1',
      port: 0,
      certFile: join(dataDir, 'server.crt'),
      keyFile: join(dataDir, 'server.key'),
      ...(extra.smtp as object | undefined),
    },
    http: { host: '127.0.0.1', port: 0 },
    queue: {
      retry: { initialDelayMs: 200, maxDelayMs: 1000, maxAgeMs: 60_000, jitter: 0 },
      ...(extra.queue as object | undefined),
    },
    delivery: {
      mode: 'smarthost',
      smarthost: { host: '127.0.0.1', port: sinkPort, tls: 'none', maxConnections: 5 },
      connectTimeoutMs: 2000,
      sendTimeoutMs: 5000,
      // test servers listen on 127.0.0.1 at ephemeral ports; egress tests set these back to the defaults
      allowPrivateTargets: ['127.0.0.0/8'],
      allowedTenantPorts: [25, 465, 587, 2525, '1024-65535'],
      testSendsPerWindow: 1000,
      ...(extra.delivery as object | undefined),
    },
    ...(extra.platform ? { platform: extra.platform } : {}),
    ...(extra.gmail ? { gmail: extra.gmail } : {}),
    ...(extra.microsoft365 ? { microsoft365: extra.microsoft365 } : {}),
    ...(extra.privacy ? { privacy: extra.privacy } : {}),
    ...(extra.webhooks ? { webhooks: extra.webhooks } : {}),
    ...(extra.store ? { store: extra.store } : {}),
    // The inbound MX listens when platform.sendingDomain is set: never on port 25 in tests.
    mx: { host: '127.0.0.1', port: 0, ...(extra.mx as object | undefined) },
  };
  return configSchema.parse(base);
}

/** Creates a tenant in a fresh data dir, then starts the real gateway in this process. */
export async function startTestGateway(
  sinkPort: number,
  extra: Record<string, unknown> = {},
  tenantInput: { allowedIps?: string[] } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postbode-gw-'));
  return startConfiguredGateway(testConfig(dataDir, sinkPort, extra), { tenant: tenantInput, env });
}

export interface ConfiguredGatewayOptions {
  /** The one tenant made before the start (name 'Acme Facturatie BV' unless given). */
  readonly tenant?: { readonly name?: string; readonly allowedIps?: string[] };
  readonly clock?: () => number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Creates a tenant in `config.dataDir`, then starts the real gateway in this process with that
 * config; stop() also removes the data dir.
 */
export async function startConfiguredGateway(
  config: Config,
  opts: ConfiguredGatewayOptions = {},
): Promise<TestGateway> {
  const { tenant, password } = await makeTenant(config, { name: 'Acme Facturatie BV', ...opts.tenant });
  const gateway = await startGateway(
    config,
    pino({ level: 'silent' }),
    opts.clock ?? Date.now,
    opts.env ?? process.env,
  );
  return {
    gateway,
    dataDir: config.dataDir,
    config,
    user: tenant.smtpUsername,
    pass: password,
    tenantId: tenant.id,
    async stop() {
      await gateway.stop(2000);
      await rm(config.dataDir, { recursive: true, force: true });
    },
  };
}

/** The tenant where the gateway will look for it: its LMDB, or the shared database (migrated first). */
export async function makeTenant(
  config: Config,
  input: { name: string; allowedIps?: string[] },
): Promise<{ tenant: { id: string; smtpUsername: string }; password: string }> {
  const url = config.store.backend === 'postgres' ? config.store.postgres.url : null;
  if (url === null) {
    const store = openTenantStore(storageAt(config.dataDir));
    try {
      return await addTenant(store, input);
    } finally {
      await store.close();
    }
  }
  const pool = openPgPool(url);
  try {
    await migrate(pool, await loadMigrations());
    return await addTenant(openPgTenantStore(pool), input);
  } finally {
    await pool.end();
  }
}
