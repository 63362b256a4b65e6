import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Config } from './config/schema.js';
import type { Logger } from './core/logger.js';
import { systemClock, type Clock } from './core/clock.js';
import type { Route, Transport } from './core/types.js';
import { openQueue } from './queue/lmdb-queue.js';
import { startRetentionSweeper } from './queue/retention.js';
import { openTenantStore } from './tenants/lmdb-tenant-store.js';
import { createMetrics } from './api/metrics.js';
import { createHttpApp, startHttp } from './api/http-app.js';
import { openConfigApi } from './api/v1/config-api.js';
import { openSecretBox } from './secrets/secret-box.js';
import { loadOrCreateTls } from './inbound/tls-material.js';
import { createSmtpListener, type SmtpListener } from './inbound/smtp-listener.js';
import { createDelivery } from './delivery/scheduler.js';
import { createSmarthostTransport } from './transports/smarthost.js';
import { createDirectMxTransport, systemResolver } from './transports/direct-mx.js';
import { createCaptureTransport } from './transports/capture.js';
import { openCaptureMailbox, type CaptureMailbox } from './transports/capture-mailbox.js';
import { planPlatformRoutes } from './routing.js';

export interface Gateway {
  readonly smtpPort: number;
  readonly tlsPort: number | undefined;
  readonly httpPort: number;
  /** Graceful stop: no new connections, transactions in progress finish, the store closes cleanly. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The composition root: builds every part from the config and starts the listeners.
 * Only this file knows every folder.
 */
export async function startGateway(
  config: Config, logger: Logger, clock: Clock = systemClock, env: NodeJS.ProcessEnv = process.env,
): Promise<Gateway> {
  await mkdir(config.dataDir, { recursive: true });
  const tenants = openTenantStore(join(config.dataDir, 'config'));
  const queue = openQueue({ path: join(config.dataDir, 'queue'), retry: config.queue.retry, logger });
  const { metrics, registry } = createMetrics({ depth: () => queue.depth() });
  const tls = await loadOrCreateTls(config.smtp.certFile, config.smtp.keyFile, config.hostname, logger);

  const mailbox = config.delivery.mode === 'capture' ? openCaptureMailbox(join(config.dataDir, 'mailbox')) : undefined;
  const transportFor = buildTransports(config, logger, mailbox);
  const delivery = createDelivery({
    queue, plan: planPlatformRoutes(config.delivery.mode), transportFor, metrics, logger, clock,
    activeWindow: config.queue.activeWindow, concurrencyPerDestination: config.delivery.concurrencyPerDestination,
    hostname: config.hostname, bounceFrom: config.delivery.bounceFrom,
  });
  if (mailbox) logger.warn({ mailbox: join(config.dataDir, 'mailbox') }, 'delivery.mode is capture: outgoing mail is kept in the dev mailbox, nothing leaves this machine');

  // Before any listener: a bad POSTBODE_SECRET_KEY or POSTBODE_ADMIN_TOKEN stops the start.
  // The box seals secrets at rest (sender-mode, DKIM, Gmail settings); the API shows its key fingerprint.
  const secrets = await openSecretBox({ dataDir: config.dataDir, envKey: env.POSTBODE_SECRET_KEY, logger });
  const api = await openConfigApi({
    dataDir: config.dataDir, adminToken: env.POSTBODE_ADMIN_TOKEN, tenants, messages: queue, secrets, logger, clock,
    onQueueChanged: () => delivery.notify(),
  });

  const inboundDeps = { smtp: config.smtp, hostname: config.hostname, tls, tenants, queue, metrics, logger, clock, onQueued: () => delivery.notify() };
  const listeners: SmtpListener[] = [];
  const submission = createSmtpListener(inboundDeps);
  listeners.push(submission);
  const { port: smtpPort } = await submission.listen(config.smtp.port, config.smtp.host);
  let tlsPort: number | undefined;
  if (config.smtp.tlsPort !== null) {
    const implicit = createSmtpListener(inboundDeps, { implicitTls: true });
    listeners.push(implicit);
    tlsPort = (await implicit.listen(config.smtp.tlsPort, config.smtp.host)).port;
  }

  const app = createHttpApp({
    registry, logger, mailbox, apiV1: api.router,
    health: () => ({ ok: true, details: { queue: queue.depth(), inFlight: delivery.inFlight() } }),
  });
  const http = await startHttp(app, config.http.port, config.http.host);
  delivery.start();
  const retention = startRetentionSweeper(queue, { retentionMs: config.queue.retentionMs, clock, logger });
  logger.info({ smtpPort, tlsPort, httpPort: http.port, mode: config.delivery.mode }, 'postbode listening');

  return {
    smtpPort, tlsPort, httpPort: http.port,
    async stop(graceMs = 10_000) {
      await Promise.all(listeners.map((l) => l.close(graceMs)));
      await delivery.stop(graceMs);
      await retention.stop();
      await http.close();
      await api.close();
      await Promise.all(buildTransportsClose());
      await queue.close();
      await tenants.close();
      logger.info('postbode stopped');
    },
  };

  function buildTransportsClose(): Array<Promise<void>> {
    return transportFor.all().map((t) => t.close());
  }
}

interface TransportTable {
  (route: Route): Transport;
  all(): Transport[];
}

function buildTransports(config: Config, logger: Logger, mailbox: CaptureMailbox | undefined): TransportTable {
  const d = config.delivery;
  const timeouts = { connectTimeoutMs: d.connectTimeoutMs, sendTimeoutMs: d.sendTimeoutMs };
  const capture = mailbox ? createCaptureTransport(mailbox) : undefined;
  const smarthost = d.smarthost ? createSmarthostTransport(d.smarthost, {
    logger, ...timeouts, name: 'smarthost', heloName: config.hostname,
    tlsCa: d.smarthost.caFile ? [readFileSync(d.smarthost.caFile)] : undefined,
  }) : undefined;
  const direct = d.mode === 'direct' ? createDirectMxTransport({
    port: d.direct.port, resolver: systemResolver(d.direct.resolver), heloName: config.hostname, logger, ...timeouts,
  }) : undefined;
  const table = (route: Route): Transport => {
    const t = route.kind === 'capture' ? capture : route.kind === 'smarthost' ? smarthost : direct;
    if (!t) throw new Error(`no transport configured for route ${route.kind}`);
    return t;
  };
  table.all = () => [capture, smarthost, direct].filter((t): t is Transport => t !== undefined);
  return table;
}
