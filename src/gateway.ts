import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Config } from './config/schema.js';
import { httpHostOf, isLoopbackAddress } from './config/http-host.js';
import type { Logger } from './core/logger.js';
import { systemClock, type Clock } from './core/clock.js';
import type { QueuedMessage, Route, Tenant, Transport } from './core/types.js';
import { newQueueId } from './core/ids.js';
import { bindOrExplain } from './core/listen-error.js';
import { openQueue } from './queue/lmdb-queue.js';
import { openStorage } from './store/storage.js';
import { startRetentionSweeper } from './queue/retention.js';
import { openTenantStore } from './tenants/lmdb-tenant-store.js';
import { createMetrics } from './admin/api/metrics.js';
import { createHttpApp, startHttp } from './admin/api/http-app.js';
import { openConfigApi } from './admin/api/v1/config-api.js';
import { openSecretBox, type SecretBox } from './secrets/secret-box.js';
import { loadOrCreateTls } from './receive/smtp/tls-material.js';
import { createSmtpListener, type SmtpListener } from './receive/smtp/smtp-listener.js';
import { createDelivery } from './delivery/scheduler.js';
import { releaseAfterTest } from './tenants/own-smtp-hold.js';
import { createSmarthostTransport } from './transports/smtp/smarthost.js';
import { createDirectMxTransport, systemResolver } from './transports/smtp/direct-mx.js';
import { hostResolver } from './transports/smtp/mx-resolver.js';
import { createCaptureTransport } from './transports/capture/capture.js';
import { openCaptureMailbox, type CaptureMailbox } from './transports/capture/capture-mailbox.js';
import { platformRoutes } from './pipeline/routing.js';
import type { PipelineDeps } from './pipeline/shared.js';
import { createPipeline } from './pipeline/index.js';
import { renderOnce } from './pipeline/render-once.js';
import { withExtraRecipients } from './receive/smtp/data-handler.js';
import { openDomains } from './tenants/domains/open-domains.js';
import { createSenderGuard, ownedByOthers } from './tenants/ownership/sender-guard.js';
import type { DomainDirectory } from './tenants/ownership/sender-domains.js';
import { queueAccountantCopy, type AccountantDeps } from './pipeline/copies/sender-accountant.js';
import { openSenderSettingsStore, type SenderSettingsStore } from './tenants/sender-settings-store.js';
import { smtpPasswordContext, type SenderSettings } from './tenants/sender-settings.js';
import { createRelayTransport, type HopProblem } from './transports/smtp/tenant-smtp.js';
import { testSend } from './transports/smtp/tenant-smtp-test.js';
import { testInvoiceFor } from './pipeline/content/test-invoice.js';
import { tenantHopFactory, type TenantHopConfig } from './transports/smtp/tenant-hop.js';
import { createTargetGuard, type TargetGuard } from './transports/egress/target-guard.js';
import { tenantTargetPolicy } from './transports/egress/tenant-target-policy.js';
import type { SenderApiDeps } from './admin/api/v1/sender-routes.js';
import { openContentSettingsStore } from './pipeline/content/content-settings-store.js';
import { openOpenStore } from './feedback/opens/open-store.js';
import { createTrackingRouter } from './admin/api/tracking-routes.js';
import { openGmail } from './tenants/gmail/open-gmail.js';
import { createGmailCallbackRouter } from './admin/api/gmail-callback-routes.js';
import { openMx } from './receive/mx/open-mx.js';
import { createReplyAddressRouter } from './admin/api/reply-address-routes.js';
import { startTenantPurge, tenantDataOwners } from './tenants/tenant-purge-runner.js';
import { registerAllLocalParts, withLocalPartClaims } from './tenants/local-part-claims.js';
import { openTenantLimits } from './tenants/tenant-limits-service.js';
import { defaultMinFreeBytes, diskReadiness, startDiskWatermark } from './store/disk-watermark.js';

export interface Gateway {
  readonly smtpPort: number;
  readonly tlsPort: number | undefined;
  /** The inbound MX listener (src/feedback/); undefined when off. */
  readonly mxPort: number | undefined;
  readonly httpPort: number;
  /** Graceful stop: no new connections, transactions in progress finish, the store closes cleanly. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The composition root: builds every part from the config and starts the listeners.
 * Only this file knows every folder.
 */
export async function startGateway(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Gateway> {
  await mkdir(config.dataDir, { recursive: true });
  // Sampled before anything is written: a restart on a full disk answers 452 from the first MAIL.
  const disk = await startDiskWatermark({
    path: config.dataDir,
    minFreeBytes: config.queue.minFreeBytes ?? defaultMinFreeBytes(config.smtp.maxMessageSize),
    logger,
  });
  // One LMDB environment for every store (store/storage.ts); an older layout is copied in first.
  const storage = openStorage({ dataDir: config.dataDir, logger });
  const tenants = openTenantStore(storage);
  const queue = openQueue({ storage, retry: config.queue.retry, logger, takeLeases: true });
  const { metrics, registry } = createMetrics({ depth: () => queue.depth(), disk, dataDir: config.dataDir });
  metrics.replayed?.(queue.replayed);
  const tls = await loadOrCreateTls(config.smtp.certFile, config.smtp.keyFile, config.hostname, logger);

  // Before any listener: a bad POSTBODE_SECRET_KEY or POSTBODE_ADMIN_TOKEN stops the start.
  // The box seals secrets at rest (sender-mode, DKIM, Gmail settings); the API shows its key fingerprint.
  const secrets = await openSecretBox({ dataDir: config.dataDir, envKey: env.POSTBODE_SECRET_KEY, logger });
  const senderSettings = openSenderSettingsStore(storage, {
    bounceLocalPart: config.platform.bounceLocalPart,
  });
  // Every tenant holds its forwarding local part in the index before the MX or the API answers.
  await registerAllLocalParts(tenants, senderSettings, logger);
  // Content settings and recorded pixel opens; the tracking key signs pixel tokens.
  const contentSettings = openContentSettingsStore(storage);
  const opens = openOpenStore(storage);
  // Per-tenant limits: overrides at rest, usage in memory (counted as each message is queued).
  const limits = openTenantLimits(storage, config, (limit) => metrics.limitHit?.(limit));
  const trackingKey = secrets.deriveKey('tracking');
  const sendingDomain = config.platform.sendingDomain ?? undefined;
  // Tenant domains, the platform DKIM key (made at first start), the re-check timer and the sign pool.
  const domains = await openDomains(storage, config, secrets, logger, clock);

  const mailbox = config.delivery.mode === 'capture' ? openCaptureMailbox(join(config.dataDir, 'mailbox')) : undefined;
  // Gmail mode: links, OAuth callback, the Gmail transport and the pipeline's planner.
  const gmail = await openGmail(
    storage,
    config,
    secrets,
    logger,
    clock,
    (tenantId) => senderSettings.get(tenantId).mode,
    { messages: queue, notify: () => delivery.notify() },
    metrics,
  );
  const transportFor = buildTransports(config, logger, mailbox, senderSettings, clock, gmail.transport);
  const routes = platformRoutes(config.delivery.mode);
  // Inbound MX: bounces, replies, suppression list; its Plan and transport additions wrap the pipeline's.
  const mx = openMx({
    storage,
    config,
    queue,
    tenants,
    settings: senderSettings,
    deriveKey: (purpose) => secrets.deriveKey(purpose),
    tls,
    routes,
    metrics,
    logger,
    clock,
    onQueued: () => delivery.notify(),
    domains: domains.directory,
    disk,
  });
  // Accountant copies (automatic in the pipeline, manual from the API) read the tenant's language and templates.
  const accountant: AccountantDeps = { queue, hostname: config.hostname, clock, content: contentSettings };
  const pipeline: PipelineDeps = {
    platform: config.platform,
    routes,
    tenants,
    settings: senderSettings,
    domains: domains.directory,
    sign: domains.sign,
    verpKey: secrets.deriveKey('verp'),
    openSecret: (sealed, context) => secrets.open(sealed, context),
    accountant,
    logger,
    content: { store: contentSettings, logger, clock, sendingDomain },
    tracking: { key: trackingKey, publicBaseUrl: config.http.publicBaseUrl },
    ...(gmail.planner ? { gmail: gmail.planner } : {}),
    keepClientTrace: config.privacy.keepClientTrace,
  };
  // Rendered once per message: a retry sends the bytes the queue kept (src/pipeline/render-once.ts).
  const plan = mx.plan(renderOnce(createPipeline(pipeline), { pipeline, store: queue }));
  const delivery = createDelivery({
    queue,
    plan,
    rendered: queue,
    transportFor: mx.transports(transportFor),
    metrics,
    logger,
    clock,
    activeWindow: config.queue.activeWindow,
    concurrencyPerDestination: config.delivery.concurrencyPerDestination,
    fairness: { maxShare: config.delivery.maxShareOfSlots, weightOf: limits.weightOf },
    hostname: config.hostname,
    bounceFrom: config.delivery.bounceFrom,
    paused: () => disk.critical(),
  });
  // A deleted tenant's other data goes once its mail is final: now, hourly, and after each API delete.
  const purge = startTenantPurge({
    owners: [
      ...tenantDataOwners({
        sender: senderSettings,
        content: contentSettings,
        domains: domains.tenantData,
        gmail: gmail.tenantData,
        suppressions: mx.suppressions,
      }),
      {
        name: 'limits',
        tenantIds: () => limits.tenantIds(),
        forget: async (id) => ((await limits.remove(id)) ? 1 : 0),
      },
    ],
    tenantExists: async (id) => (await tenants.byId(id)) !== undefined,
    pending: (id) => queue.countPending(id),
    logger,
  });
  if (mailbox)
    logger.warn(
      { mailbox: join(config.dataDir, 'mailbox') },
      'delivery.mode is capture: outgoing mail is kept in the dev mailbox, nothing leaves this machine',
    );

  const api = await openConfigApi({
    storage,
    adminToken: env.POSTBODE_ADMIN_TOKEN,
    auditRetentionMs: config.audit.retentionMs,
    tenants: withLocalPartClaims(tenants, senderSettings, logger),
    messages: queue,
    secrets,
    logger,
    clock,
    onQueueChanged: () => delivery.notify(),
    sender: {
      ...senderApi(config, logger, clock, senderSettings, secrets, accountant, domains.directory),
      ...gmail.senderDeps,
      replyConfirmation: mx.replyConfirmation,
      onTestPassed: releaseAfterTest(queue, () => delivery.notify(), clock, logger),
    },
    gmail: gmail.links,
    domains: domains.service,
    suppressions: mx.suppressions,
    onTenantDeleted: () => purge.trigger(),
    tenantLimits: limits,
    capabilities: {
      gmail: gmail.planner !== undefined,
      forwardingDomain: config.platform.sendingDomain,
      ownSmtp: config.delivery.allowedTenantPorts.length > 0,
      keepClientTrace: config.privacy.keepClientTrace,
    },
    content: {
      store: contentSettings,
      senderMode: (tenantId) => senderSettings.get(tenantId).mode,
      sendingDomain,
      opens,
    },
  });

  // The archive address joins the envelope at accept time, so it has its own state in the log.
  const inboundQueue = withExtraRecipients(queue, async (tenantId) => {
    const archive = senderSettings.get(tenantId).archiveAddress;
    return archive === undefined ? [] : [archive];
  });
  const senders = createSenderGuard({
    domains: domains.directory,
    settings: senderSettings,
    tenants,
    platform: config.platform,
    requireVerifiedSender: config.smtp.requireVerifiedSender ?? config.delivery.mode !== 'capture',
    gmailAvailable: gmail.planner !== undefined,
  });
  const inboundDeps = {
    smtp: config.smtp,
    hostname: config.hostname,
    tls,
    tenants,
    queue: inboundQueue,
    metrics,
    logger,
    clock,
    limits,
    senders,
    disk,
    onQueued: (message: QueuedMessage) => {
      limits.usage.accepted(message.tenantId, clock());
      delivery.notify();
    },
    maxSizeFor: (tenantId: string) =>
      Math.min(gmail.maxSizeFor(tenantId) ?? Infinity, limits.limitsOf(tenantId).maxMessageSize),
  };
  const listeners: SmtpListener[] = [];
  const submission = createSmtpListener(inboundDeps);
  listeners.push(submission);
  const { port: smtpPort } = await bindOrExplain(
    'SMTP submission',
    'smtp.port',
    config.smtp.host,
    config.smtp.port,
    () => submission.listen(config.smtp.port, config.smtp.host),
  );
  const mxStarted = await mx.start();
  if (mxStarted) listeners.push(mxStarted.listener);
  const mxPort = mxStarted?.port;
  let tlsPort: number | undefined;
  if (config.smtp.tlsPort !== null) {
    const implicit = createSmtpListener(inboundDeps, { implicitTls: true });
    listeners.push(implicit);
    const implicitPort = config.smtp.tlsPort;
    tlsPort = (
      await bindOrExplain('SMTP with implicit TLS', 'smtp.tlsPort', config.smtp.host, implicitPort, () =>
        implicit.listen(implicitPort, config.smtp.host),
      )
    ).port;
  }

  const httpHost = httpHostOf(config);
  const app = createHttpApp({
    registry,
    logger,
    mailbox,
    apiV1: api.router,
    trustedProxies: config.http.trustedProxies,
    mailboxAccess: { listenerIsLoopback: isLoopbackAddress(httpHost), isAdmin: api.isAdmin },
    tracking: createTrackingRouter({ key: trackingKey, opens, messages: queue, clock, logger }),
    oauthGoogle: createGmailCallbackRouter({ links: gmail.links, logger, clock, audit: api.audit }),
    replyAddress: createReplyAddressRouter({ confirmation: mx.replyConfirmation, logger }),
    health: () => ({ ok: true, details: { queue: queue.depth(), inFlight: delivery.inFlight() } }),
    ready: () => diskReadiness(disk),
  });
  const http = await bindOrExplain('HTTP', 'http.port', httpHost, config.http.port, () =>
    startHttp(app, config.http.port, httpHost),
  );
  delivery.start();
  const retention = startRetentionSweeper(queue, { retentionMs: config.queue.retentionMs, clock, logger });
  logger.info(
    { smtpPort, tlsPort, mxPort, httpPort: http.port, mode: config.delivery.mode, replayed: queue.replayed },
    'postbode listening',
  );

  return {
    smtpPort,
    tlsPort,
    mxPort,
    httpPort: http.port,
    async stop(graceMs = 10_000) {
      await Promise.all(listeners.map((l) => l.close(graceMs)));
      disk.stop();
      await purge.stop();
      await delivery.stop(graceMs);
      await mx.close(); // after delivery: its Plan reads the suppression list
      await retention.stop();
      await http.close();
      await api.close();
      await Promise.all(buildTransportsClose());
      await queue.close();
      await senderSettings.close();
      await limits.close();
      await contentSettings.close();
      await opens.close();
      await domains.close();
      await gmail.close();
      await tenants.close();
      await storage.close();
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

function buildTransports(
  config: Config,
  logger: Logger,
  mailbox: CaptureMailbox | undefined,
  senderSettings: SenderSettingsStore,
  clock: Clock,
  gmail?: Transport,
): TransportTable {
  const d = config.delivery;
  const timeouts = { connectTimeoutMs: d.connectTimeoutMs, sendTimeoutMs: d.sendTimeoutMs };
  const capture = mailbox ? createCaptureTransport(mailbox) : undefined;
  const smarthost = d.smarthost
    ? createSmarthostTransport(d.smarthost, {
        logger,
        ...timeouts,
        name: 'smarthost',
        heloName: config.hostname,
        tlsCa: d.smarthost.caFile ? [readFileSync(d.smarthost.caFile)] : undefined,
      })
    : undefined;
  const guard = targetGuard(config);
  const direct =
    d.mode === 'direct'
      ? createDirectMxTransport({
          port: d.direct.port,
          resolver: systemResolver(d.direct.resolver),
          heloName: config.hostname,
          logger,
          ...timeouts,
          guard,
          maxConnectionsPerHost: d.concurrencyPerDestination,
        })
      : undefined;
  const relay = createRelayTransport({
    create: tenantHops(config, logger, guard),
    logger,
    onHopFailure: (tenantId, problem, reply) => {
      markBroken(senderSettings, tenantId, problem, reply, clock(), logger);
    },
    onHopOk: (tenantId) => {
      clearBroken(senderSettings, tenantId, logger);
    },
  });
  const table = (route: Route): Transport => {
    if (route.kind === 'relay') return relay;
    if (route.kind === 'gmail' && gmail) return gmail;
    const t = route.kind === 'capture' ? capture : route.kind === 'smarthost' ? smarthost : direct;
    if (!t) throw new Error(`no transport configured for route ${route.kind}`);
    return t;
  };
  table.all = () => [capture, smarthost, direct, relay, gmail].filter((t): t is Transport => t !== undefined);
  return table;
}

/** What tenant-chosen targets (own servers, recipients' MX hosts) may resolve to. */
function targetGuard(config: Config): TargetGuard {
  const d = config.delivery;
  return createTargetGuard({ allow: d.allowPrivateTargets, resolver: hostResolver(d.direct.resolver) });
}

function tenantHops(config: Config, logger: Logger, guard: TargetGuard): (hop: TenantHopConfig) => Transport {
  const d = config.delivery;
  return tenantHopFactory({
    logger,
    connectTimeoutMs: d.connectTimeoutMs,
    sendTimeoutMs: d.sendTimeoutMs,
    heloName: config.hostname,
    guard,
  });
}

const PROBLEM_WORDS: Record<HopProblem, string> = {
  'auth-failed': 'the server refused our login',
  'host-not-found': 'the server name was not found',
  'connection-refused': 'the server refused the connection',
  'address-not-allowed': 'the server address is inside the network and not allowed',
  'no-tls-for-login': 'the server offers no TLS, so the password was not sent',
};

function markBroken(
  store: SenderSettingsStore,
  tenantId: string,
  problem: HopProblem,
  reply: string,
  now: number,
  logger: Logger,
): void {
  if (store.get(tenantId).broken) return;
  const reason = `${PROBLEM_WORDS[problem]}: ${reply}`;
  logger.warn({ tenantId, problem }, 'own SMTP server settings flagged broken; mail is deferred until they are fixed');
  store
    .update(tenantId, (s) => (s.smtp ? { ...s, broken: { at: now, reason } } : s))
    .catch((err: unknown) => logger.error({ tenantId, err }, 'could not flag sender settings broken'));
}

function clearBroken(store: SenderSettingsStore, tenantId: string, logger: Logger): void {
  if (!store.get(tenantId).broken) return;
  store
    .update(tenantId, (s) => {
      const { broken: _b, ...rest } = s;
      return rest;
    })
    .catch((err: unknown) => logger.error({ tenantId, err }, 'could not clear the broken flag'));
}

/**
 * The sender routes' side effects: sealing, test-send through a fresh transport, manual accountant copies.
 * `accountant.content` also gives the test invoice the tenant's language and layout.
 */
function senderApi(
  config: Config,
  logger: Logger,
  clock: Clock,
  store: SenderSettingsStore,
  secrets: SecretBox,
  accountant: AccountantDeps,
  domains: DomainDirectory,
): SenderApiDeps {
  const guard = targetGuard(config);
  const create = tenantHops(config, logger, guard);
  return {
    store,
    ownedByOthers: (tenantId, localPart, address) =>
      ownedByOthers({ domains, platform: config.platform }, tenantId, localPart, address),
    targets: tenantTargetPolicy(guard, config.delivery.allowedTenantPorts),
    testSendLimit: { perWindow: config.delivery.testSendsPerWindow, windowMs: config.delivery.testSendWindowMs },
    seal: (plaintext, context) => secrets.seal(plaintext, context),
    testSend: async (tenant: Tenant, settings: SenderSettings, to: string) => {
      const smtp = settings.smtp;
      if (!smtp) throw new Error('no own SMTP server settings');
      const pass =
        smtp.passwordSealed === undefined
          ? undefined
          : secrets.open(smtp.passwordSealed, smtpPasswordContext(tenant.id));
      const hop: TenantHopConfig = {
        host: smtp.host,
        port: smtp.port,
        tls: smtp.tls,
        rejectUnauthorized: smtp.rejectUnauthorized,
        maxConnections: 1,
        ...(smtp.user !== undefined ? { user: smtp.user, pass: pass ?? '' } : {}),
        ...(smtp.allowPlaintextAuth === true ? { allowPlaintextAuth: true } : {}),
      };
      const from = settings.ownAddress ?? (smtp.user?.includes('@') ? smtp.user : to);
      const message = await testInvoiceFor(accountant.content, {
        tenant,
        displayName: settings.displayName,
        from,
        to,
        hostname: config.hostname,
        now: clock(),
      });
      return testSend({ hop, from, to, message }, create);
    },
    sendToAccountant: async (message: QueuedMessage, body: Buffer, address: string) => {
      const copy = await queueAccountantCopy(accountant, message, body, address, { id: newQueueId(clock()) });
      if (!copy) throw new Error('accountant copy was not queued');
      return copy;
    },
  };
}
