import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config/schema.js';
import { httpHostOf, isLoopbackAddress } from './config/http-host.js';
import type { Logger } from './core/logger.js';
import { systemClock, type Clock } from './core/clock.js';
import type { QueuedMessage, Route } from './core/types.js';
import { bindOrExplain } from './core/listen-error.js';
import { openQueueEngine, storeReadiness } from './compose/open-queue.js';
import type { GatewayQueue } from './queue/gateway-queue.js';
import { lmdbKeyFingerprint, requireKeyFingerprint } from './store/key-fingerprint.js';
import { wireWebhooks } from './compose/webhooks.js';
import { openStorage } from './store/storage.js';
import { startRetentionSweeper } from './queue/retention.js';
import { createMetrics } from './admin/api/metrics.js';
import { createHttpApp, startHttp } from './admin/api/http-app.js';
import { openConfigApi } from './admin/api/v1/config-api.js';
import { openSecretBox } from './secrets/secret-box.js';
import { loadOrCreateTls } from './receive/smtp/tls-material.js';
import { createSmtpListener, type SmtpListener } from './receive/smtp/smtp-listener.js';
import { createDelivery } from './delivery/scheduler.js';
import { releaseAfterTest } from './tenants/own-smtp-hold.js';
import { openCaptureMailbox } from './transports/capture/capture-mailbox.js';
import { platformRoutes } from './pipeline/routing.js';
import type { PipelineDeps } from './pipeline/shared.js';
import { createPipeline } from './pipeline/index.js';
import { sendingDomainOf } from './pipeline/sender/sending-domain.js';
import {
  forwardedReplyPlanner,
  sentIndexStep,
  suppressedTransport,
  suppressionStep,
} from './pipeline/suppression/mx-plan.js';
import { createTransportRegistry } from './core/transport-registry.js';
import { bounceAddress } from './delivery/bounce.js';
import { openDomains } from './tenants/domains/open-domains.js';
import { createSenderGuard } from './tenants/ownership/sender-guard.js';
import type { AccountantDeps } from './pipeline/copies/sender-accountant.js';
import { openSettingsStores } from './compose/open-settings-stores.js';
import { openTenantDocumentsOn } from './compose/open-tenant-documents.js';
import { openPgAuditLog } from './admin/audit/pg-audit-log.js';
import { openContentSettingsStore } from './pipeline/content/content-settings-store.js';
import { openHoldRulesStore } from './pipeline/review/hold-rules-store.js';
import { reviewApi } from './compose/review-api.js';
import { createReaderPool } from './documents/reader-pool.js';
import type { ReadAttachment } from './pipeline/documents/read-documents.js';
import { openOpenStoreOn } from './feedback/opens/open-opens.js';
import { feedbackEvents } from './feedback/feedback-events.js';
import { createTrackingRouter } from './admin/api/tracking-routes.js';
import { openGmail } from './tenants/gmail/open-gmail.js';
import { createGmailCallbackRouter } from './admin/api/gmail-callback-routes.js';
import { openMicrosoft } from './tenants/microsoft/open-microsoft.js';
import { createMicrosoftCallbackRouter } from './admin/api/microsoft-callback-routes.js';
import { openMx } from './receive/mx/open-mx.js';
import { createReplyAddressRouter } from './admin/api/reply-address-routes.js';
import { startTenantPurge, tenantDataOwners } from './tenants/tenant-purge-runner.js';
import { registerAllLocalParts, withLocalPartClaims } from './tenants/local-part-claims.js';
import { openTenantLimits } from './tenants/tenant-limits-service.js';
import { openSharedCounts } from './compose/shared-counts.js';
import { defaultMinFreeBytes, diskReadiness, startDiskWatermark } from './store/disk-watermark.js';
import { buildTransports } from './transports/transport-table.js';
import { ownServerHealth } from './tenants/own-smtp-broken.js';
import { createAccessTokens } from './tenants/oauth/access-tokens.js';
import { senderApi } from './compose/sender-api.js';
import { openPeppol } from './compose/open-peppol.js';
import { openBounceAlerts } from './compose/bounce-alerts.js';
import { clusterJobs } from './compose/cluster-jobs.js';
import type { ContentAnnotation } from './pipeline/content/content-settings-store.js';
import { processRole } from './cluster/process-role.js';
import type { WorkerLink } from './cluster/worker-link.js';
import { announcingQueue } from './cluster/announcing-queue.js';

export interface Gateway {
  readonly smtpPort: number;
  readonly tlsPort: number | undefined;
  /** The inbound MX listener (src/feedback/); undefined when off. */
  readonly mxPort: number | undefined;
  /** 0 in a receiving worker, which serves no HTTP (cluster/process-role.ts). */
  readonly httpPort: number;
  /** One round of the daily bounce-alert digest (it also runs hourly), and a wait for alerts in hand (tests). */
  readonly bounceAlerts: { runDigest(): Promise<number>; idle(): Promise<void> };
  /** Graceful stop: no new connections, transactions in progress finish, the store closes cleanly. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The composition root: builds every part from the config and starts the listeners.
 * Only this file and its parts in compose/ know every folder.
 */
export async function startGateway(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
  env: NodeJS.ProcessEnv = process.env,
  /** This process's link to the primary when it is one of several worker processes (`workers`). */
  worker?: WorkerLink,
): Promise<Gateway> {
  // What this process runs among the machine's workers: a lone process runs everything (cluster/process-role.ts).
  const role = processRole(config, worker);
  await mkdir(config.dataDir, { recursive: true });
  // Sampled before anything is written: a restart on a full disk answers 452 from the first MAIL.
  const disk = await startDiskWatermark({
    path: config.dataDir,
    minFreeBytes: config.queue.minFreeBytes ?? defaultMinFreeBytes(config.smtp.maxMessageSize),
    logger,
  });
  // One LMDB environment for every store (store/storage.ts); an older layout is copied in first.
  const storage = openStorage({ dataDir: config.dataDir, logger });
  // Before any listener: a bad POSTBODE_SECRET_KEY or POSTBODE_ADMIN_TOKEN stops the start.
  // The box seals secrets at rest (sender-mode, DKIM, Gmail settings); the API shows its key fingerprint.
  const secrets = await openSecretBox({ dataDir: config.dataDir, envKey: env.POSTBODE_SECRET_KEY, logger });
  // The queue on this node's LMDB, or on the shared PostgreSQL (migrated, its key fingerprint checked), and with
  // it the webhook endpoints (opened first: the queue writes the events they want with each state change).
  const engine = await openQueueEngine({
    config,
    storage,
    keyFingerprint: secrets.keyFingerprint(),
    logger,
    clock,
    delivers: role.delivers,
    ...(worker ? { workerIndex: worker.index } : {}),
  }).catch(async (err: unknown) => {
    disk.stop();
    await storage.close();
    throw err;
  });
  // A receiving worker tells the delivering one what it queued; that one counts it and wakes delivery.
  const queue: GatewayQueue =
    role.announces && worker ? announcingQueue(engine.queue, (records) => worker.announce(records)) : engine.queue;
  const { metrics, registry } = createMetrics({ depth: () => queue.depth(), disk, dataDir: config.dataDir });
  metrics.replayed?.(queue.replayed);
  const tls = await loadOrCreateTls(config.smtp.certFile, config.smtp.keyFile, config.hostname, logger);

  // A key other than the one this store's secrets were sealed with stops the start, saying so.
  await requireKeyFingerprint(lmdbKeyFingerprint(storage), secrets.keyFingerprint(), config.dataDir).catch(
    async (err: unknown) => {
      disk.stop();
      await queue.close();
      await engine.close();
      await storage.close();
      throw err;
    },
  );
  // Tenants, tokens, sender settings and domains: shared on PostgreSQL, this node's own on LMDB.
  const settings = await openSettingsStores({
    storage,
    pool: engine.pool,
    bounceLocalPart: config.platform.bounceLocalPart,
    logger,
    clock,
  }).catch(async (err: unknown) => {
    disk.stop();
    await queue.close();
    await engine.close();
    await storage.close();
    throw err;
  });
  const { tenants, senderSettings } = settings;
  // The periodic jobs (review expiry, alert digest, tenant purge): once per cluster on PostgreSQL.
  const exclusive = clusterJobs(engine.pool, logger);
  // Every tenant holds its forwarding local part in the index before the MX or the API answers.
  await registerAllLocalParts(tenants, senderSettings, logger);
  // Per-tenant settings documents (content, review, bounce alerts, Peppol, limits): shared on PostgreSQL too.
  const documents = openTenantDocumentsOn({ storage, pool: engine.pool, logger });
  // Content settings and recorded pixel opens; the tracking key signs pixel tokens.
  const contentSettings = await openContentSettingsStore(storage, documents);
  const holdRules = await openHoldRulesStore(storage, documents);
  const feedback = feedbackEvents(queue.outbox);
  const opens = openOpenStoreOn(storage, engine.pool, { events: feedback, message: (id) => queue.get(id) });
  // Webhooks: endpoints, the API's service, and the dispatcher of the queue's outbox (started once listening).
  const webhooks = wireWebhooks(engine.webhooks, {
    storage,
    config,
    secrets,
    annotation: (id) => queue.annotation<{ documentNumber?: string }>(id),
    clock,
    logger,
  });
  // AUTH failures and tenants' message counts: this process's memory, the workers' or the cluster's (compose/).
  const counts = await openSharedCounts(engine.pool, logger, worker);
  // Per-tenant limits: overrides at rest, usage counted as each message is queued.
  const limits = await openTenantLimits(storage, config, (limit) => metrics.limitHit?.(limit), counts, documents);
  const trackingKey = secrets.deriveKey('tracking');
  // Tenant domains, the platform DKIM key (made at first start), the re-check timer and the sign pool.
  const domains = await openDomains(storage, config, secrets, logger, clock, settings.domains, role.runsJobs);

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
    engine.pool,
  );
  // Access tokens for own-SMTP XOAUTH2 logins, per provider: Google through the Gmail link.
  const accessTokens = createAccessTokens(clock);
  if (gmail.smtpTokens) accessTokens.register('google', gmail.smtpTokens);
  // Microsoft 365 mode: links, OAuth callback, the Graph transport and the pipeline's planner.
  const modeOf = (tenantId: string): string => senderSettings.get(tenantId).mode;
  const microsoft = await openMicrosoft(
    storage,
    config,
    secrets,
    logger,
    clock,
    modeOf,
    { messages: queue, notify: () => delivery.notify() },
    metrics,
    engine.pool,
  );
  if (microsoft.smtpTokens) accessTokens.register('microsoft', microsoft.smtpTokens);
  // Each route kind's transport: the platform's (those the config asks for), and the suppression list's refusals.
  const transports = createTransportRegistry();
  // Only a delivering process sends: a receiving worker builds no transport (nor their TLS-report timers).
  const platformTransports = !role.delivers
    ? new Map()
    : buildTransports(config, logger, {
        mailbox,
        gmail: gmail.transport,
        microsoft365: microsoft.transport,
        ...ownServerHealth(senderSettings, clock, logger),
        accessTokens: accessTokens.get,
        signPlatformMail: async (raw) => {
          const direct: Route = { kind: 'direct', domain: '' };
          const report = { route: direct, recipients: [], envelope: { from: '', to: [] }, raw };
          const [signed] = await domains.sign([report], { kind: 'platform' }, 'tls-report');
          return signed?.raw ?? raw;
        },
      });
  for (const [kind, transport] of platformTransports) transports.register(kind, transport);
  transports.register('suppressed', suppressedTransport);
  // Attachments are read in worker threads, started on the first message that needs one (pipeline/documents/).
  const readers = createReaderPool({ logger });
  const readDocument: ReadAttachment = (bytes, meta) => readers.read(bytes, definedOnly(meta));
  // The worker loads pdf.js when it starts: started ahead of the first mail once a tenant renders content.
  const warmReaders = () => void readers.read(Buffer.from('<?xml version="1.0"?><warm/>'));
  if ([...contentSettings.tenantIds()].some((id) => contentSettings.get(id)?.enabled === true)) warmReaders();
  // Peppol delivery per tenant: settings, the access point transport, the pipeline's stage, step and planner.
  const peppol = await openPeppol(storage, config, secrets, queue, clock, logger, readDocument, documents);
  transports.register('peppol', peppol.transport);
  const routes = platformRoutes(config.delivery.mode);
  // Bounce alerts: delivery's recorder and the MX's bounce handler tell them; they mail the tenant through the queue.
  const bounceAlerts = await openBounceAlerts({
    storage,
    documents,
    queue,
    annotation: (queueId) => queue.annotation<ContentAnnotation>(queueId) ?? contentSettings.annotation(queueId),
    settings: senderSettings,
    isConfirmed: (tenantId, address) => mx.replyConfirmation.isConfirmed(tenantId, address),
    languageOf: (tenantId) => contentSettings.get(tenantId)?.settings.defaultLanguage,
    publicBaseUrl: config.http.publicBaseUrl,
    from: bounceAddress({ bounceFrom: config.delivery.bounceFrom, hostname: config.hostname }),
    hostname: config.hostname,
    clock,
    logger,
    onQueued: () => delivery.notify(),
    exclusive,
  });
  // Inbound MX: bounces, replies, suppression list; the pipeline's MX steps read its store.
  const mx = await openMx({
    pool: engine.pool,
    storage,
    config,
    queue,
    tenants,
    settings: senderSettings,
    deriveKey: (purpose) => secrets.deriveKey(purpose),
    tls,
    confirmationFrom: bounceAddress({ bounceFrom: config.delivery.bounceFrom, hostname: config.hostname }),
    metrics,
    logger,
    clock,
    onQueued: () => delivery.notify(),
    domains: domains.directory,
    disk,
    tenantLanguage: (tenantId) => contentSettings.get(tenantId)?.settings.defaultLanguage,
    events: feedback,
    onLateBounce: (message, address, reply) => bounceAlerts.alerts.lateBounce(message, address, reply),
  });
  // Accountant copies (automatic in the pipeline, manual from the API) read the tenant's language and templates.
  const accountant: AccountantDeps = {
    queue,
    hostname: config.hostname,
    clock,
    content: contentSettings,
    read: readDocument,
  };
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
    peppol: peppol.stage,
    effects: queue,
    logger,
    content: { store: contentSettings, logger, clock, readDocument },
    tracking: { key: trackingKey, publicBaseUrl: config.http.publicBaseUrl },
    ...(gmail.planner ? { gmail: gmail.planner } : {}),
    ...(microsoft.planner ? { microsoft365: microsoft.planner } : {}),
    keepClientTrace: config.privacy.keepClientTrace,
    review: { rules: holdRules },
  };
  // The order is src/pipeline/index.ts's; the MX registers its steps, the queue keeps renderings.
  const plan = createPipeline(pipeline, {
    recipients: [sentIndexStep(mx.sent, clock), suppressionStep(mx.suppressions), peppol.insteadStep],
    kinds: {
      reply: forwardedReplyPlanner({
        routes,
        replyTargetConfirmed: (tenantId, address) => mx.replyConfirmation.isConfirmed(tenantId, address),
      }),
      peppol: peppol.planner,
    },
    rendered: queue,
  });
  const delivery = createDelivery({
    queue,
    plan,
    rendered: queue,
    review: queue,
    onRecorded: (after, results) => bounceAlerts.alerts.recorded(after, results),
    transportFor: transports.transportFor,
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
  engine.onWork(() => delivery.notify());
  // A deleted tenant's other data goes once its mail is final: now, hourly, and after each API delete.
  const purge = !role.runsJobs
    ? undefined
    : startTenantPurge({
        owners: [
          ...tenantDataOwners({
            sender: senderSettings,
            content: contentSettings,
            domains: domains.tenantData,
            gmail: gmail.tenantData,
            suppressions: mx.suppressions,
          }),
          {
            name: 'review rules',
            tenantIds: () => holdRules.tenantIds(),
            forget: async (id) => ((await holdRules.remove(id)) ? 1 : 0),
          },
          { name: 'complaints', tenantIds: () => mx.complaints.tenantIds(), forget: (id) => mx.complaints.forget(id) },
          microsoft.tenantData,
          peppol.tenantData,
          webhooks.tenantData,
          {
            name: 'limits',
            tenantIds: () => limits.tenantIds(),
            forget: async (id) => ((await limits.remove(id)) ? 1 : 0),
          },
        ],
        tenantExists: async (id) => (await tenants.byId(id)) !== undefined,
        pending: (id) => queue.countPending(id),
        logger,
        exclusive,
      });
  if (mailbox)
    logger.warn(
      { mailbox: join(config.dataDir, 'mailbox') },
      'delivery.mode is capture: outgoing mail is kept in the dev mailbox, nothing leaves this machine',
    );

  const review = reviewApi({
    queue,
    rules: holdRules,
    pipeline,
    hostname: config.hostname,
    sweepMs: config.queue.reviewSweepMs,
    sweeps: role.runsJobs,
    notify: () => delivery.notify(),
    clock,
    logger,
    exclusive,
  });
  const api = await openConfigApi({
    storage,
    adminToken: env.POSTBODE_ADMIN_TOKEN,
    ...(settings.tokens ? { tokens: settings.tokens } : {}),
    // On PostgreSQL the audit log is the cluster's: every node's API lists every node's changes.
    ...(engine.pool ? { audit: openPgAuditLog(engine.pool) } : {}),
    auditRetentionMs: config.audit.retentionMs,
    tenants: withLocalPartClaims(tenants, senderSettings, logger),
    messages: queue,
    secrets,
    logger,
    clock,
    onQueueChanged: () => delivery.notify(),
    sender: {
      ...senderApi(config, logger, clock, senderSettings, secrets, accountant, domains.directory, accessTokens.get),
      ...gmail.senderDeps,
      ...microsoft.senderDeps,
      replyConfirmation: mx.replyConfirmation,
      onTestPassed: releaseAfterTest(queue, () => delivery.notify(), clock, logger),
    },
    gmail: gmail.links,
    microsoft365: microsoft.links,
    domains: domains.service,
    platformDns: domains.platformDns,
    complaints: mx.complaints,
    bounceAlerts: bounceAlerts.store,
    suppressions: mx.suppressions,
    reports: mx.reports,
    onTenantDeleted: () => purge?.trigger(),
    tenantLimits: limits,
    peppol: peppol.api,
    review: review.api,
    webhooks: webhooks.service,
    capabilities: {
      gmail: gmail.planner !== undefined,
      microsoft365: microsoft.planner !== undefined,
      forwardingDomain: config.platform.sendingDomain,
      ownSmtp: config.delivery.allowedTenantPorts.length > 0,
      keepClientTrace: config.privacy.keepClientTrace,
    },
    content: {
      store: contentSettings,
      readDocument,
      warmReaders,
      // On PostgreSQL a page's annotations are read first: another node may have written them.
      annotations: {
        annotation: (id: string) => queue.annotation<ContentAnnotation>(id),
        load: (ids: readonly string[]) => queue.loadAnnotations?.(ids) ?? Promise.resolve(),
      },
      senderMode: (tenantId) => senderSettings.get(tenantId).mode,
      sendingDomain: (tenantId) =>
        sendingDomainOf(
          {
            platform: config.platform,
            tenants,
            settings: senderSettings,
            domains: domains.directory,
            gmailAvailable: gmail.planner !== undefined,
            gmailAccount: (id) => gmail.links.status(id).address,
          },
          tenantId,
        ),
      opens,
    },
  });

  const senders = createSenderGuard({
    domains: domains.directory,
    settings: senderSettings,
    tenants,
    platform: config.platform,
    requireVerifiedSender: config.smtp.requireVerifiedSender ?? config.delivery.mode !== 'capture',
    gmailAvailable: gmail.planner !== undefined,
    microsoftAvailable: microsoft.planner !== undefined,
  });
  const inboundDeps = {
    smtp: config.smtp,
    hostname: config.hostname,
    tls,
    tenants,
    queue,
    // The archive address joins the envelope at accept time, so it has its own state in the log.
    extraRecipients: async (tenantId: string) => {
      const archive = senderSettings.get(tenantId).archiveAddress;
      return archive === undefined ? [] : [archive];
    },
    metrics,
    logger,
    clock,
    limits,
    senders,
    disk,
    backendAvailable: engine.available,
    ...(counts === undefined ? {} : { authCounts: counts }),
    onQueued: (message: QueuedMessage) => {
      limits.usage.accepted(message.tenantId, clock());
      delivery.notify();
    },
    maxSizeFor: (tenantId: string) =>
      Math.min(
        gmail.maxSizeFor(tenantId) ?? Infinity,
        microsoft.maxSizeFor(tenantId) ?? Infinity,
        limits.limitsOf(tenantId).maxMessageSize,
      ),
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
  // After the listeners every worker opens, in the same order: node:cluster matches port-0 listens by order.
  const mxStarted = role.serves ? await mx.start() : undefined;
  if (mxStarted) listeners.push(mxStarted.listener);
  const mxPort = mxStarted?.port;

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
    oauthMicrosoft: createMicrosoftCallbackRouter({ links: microsoft.links, logger, clock, audit: api.audit }),
    replyAddress: createReplyAddressRouter({ confirmation: mx.replyConfirmation, logger }),
    health: () => ({
      ok: true, // alive: a node waits for its database rather than being restarted
      details: { queue: queue.depth(), inFlight: delivery.inFlight(), store: engine.state() },
    }),
    ready: () => storeReadiness(engine) ?? diskReadiness(disk),
  });
  const http = role.serves
    ? await bindOrExplain('HTTP', 'http.port', httpHost, config.http.port, () =>
        startHttp(app, config.http.port, httpHost),
      )
    : undefined;
  if (role.delivers) delivery.start();
  if (role.runsJobs) {
    webhooks.dispatcher.start();
    bounceAlerts.alerts.start();
  }
  const retention = role.runsJobs
    ? startRetentionSweeper(queue, { retentionMs: config.queue.retentionMs, clock, logger })
    : undefined;
  // The delivering worker on LMDB counts what the receiving workers queued, and counts again when one died.
  worker?.onAnnounced({
    queued(records) {
      queue.noteQueued?.(records);
      delivery.notify();
    },
    recount() {
      queue.recount?.();
      delivery.notify();
    },
  });
  const httpPort = http?.port;
  logger.info(
    { smtpPort, tlsPort, mxPort, httpPort, mode: config.delivery.mode, replayed: queue.replayed },
    'postbode listening',
  );

  return {
    smtpPort,
    tlsPort,
    mxPort,
    httpPort: httpPort ?? 0,
    bounceAlerts: bounceAlerts.alerts,
    async stop(graceMs = 10_000) {
      await Promise.all(listeners.map((l) => l.close(graceMs)));
      disk.stop();
      await purge?.stop();
      await delivery.stop(graceMs);
      await mx.close(); // after delivery: its Plan reads the suppression list
      await bounceAlerts.close(); // after delivery and the MX, which tell it
      await retention?.stop();
      await review.expiry.stop();
      await http?.close();
      await api.close();
      await readers.close(); // after delivery (its Plan reads attachments) and the API (the preview does)
      await webhooks.close();
      await Promise.all(buildTransportsClose());
      await queue.close();
      await senderSettings.close();
      await limits.close();
      await counts?.close(); // its last deltas, before the pool ends
      await peppol.store.close();
      await contentSettings.close();
      await holdRules.close();
      await opens.close();
      await domains.close();
      await gmail.close();
      await microsoft.close();
      await tenants.close();
      await engine.close(); // after the stores that share its pool
      await storage.close();
      logger.info('postbode stopped');
    },
  };

  function buildTransportsClose(): Array<Promise<void>> {
    return transports.all().map((t) => t.close());
  }
}

/** The reader's options without keys whose value is undefined (its type has optional, not undefined, fields). */
function definedOnly(meta: Parameters<ReadAttachment>[1]): { filename?: string; contentType?: string } {
  return {
    ...(meta.filename !== undefined ? { filename: meta.filename } : {}),
    ...(meta.contentType !== undefined ? { contentType: meta.contentType } : {}),
  };
}
