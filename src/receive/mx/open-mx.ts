import type pg from 'pg';
import type { Storage } from '../../store/storage.js';
import type { Config } from '../../config/schema.js';
import { bindOrExplain } from '../../core/listen-error.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { LateOutcomes, MessageLog, MessageQueue, QueuedMessage } from '../../core/types.js';
import type { SmtpListener } from '../smtp/smtp-listener.js';
import { startRetentionSweeper } from '../../queue/retention.js';
import type { DomainDirectory } from '../../tenants/ownership/sender-domains.js';
import type { TenantStore } from '../../tenants/lmdb-tenant-store.js';
import type { LocalPartIndex } from '../../tenants/local-part-registry.js';
import type { SenderSettingsReader } from '../../tenants/sender-settings-store.js';
import { createInbox } from './inbox.js';
import type { DiskSpace } from '../../store/disk-watermark.js';
import { createMxListener } from './mx-listener.js';
import { createMxProcessor } from './mx-processor.js';
import { closeMxStores, openMxStores } from '../../feedback/mx-stores.js';
import { MxReplies, type MxDomains } from '../../feedback/recipient-policy.js';
import { createReplyConfirmation, type ReplyConfirmation } from '../../feedback/reply-confirmation.js';
import type { SentIndex } from '../../feedback/sent-index.js';
import type { SuppressionStore } from '../../feedback/suppression-store.js';
import type { ReplyTargets } from '../../feedback/reply-targets.js';
import { openMxData } from './mx-data.js';
import { tenantByLocalPart } from '../../feedback/tenant-lookup.js';
import { openReports, type ReportReader, type Reports } from '../../feedback/reports/open-reports.js';
import { openComplaintStore, type ComplaintStore } from '../../feedback/arf-store.js';
import { openPgComplaintStore } from '../../feedback/pg-complaint-store.js';
import type { FeedbackEvents } from '../../feedback/feedback-events.js';

export interface MxOptions {
  readonly storage: Storage;
  readonly config: Config;
  readonly queue: MessageQueue & MessageLog & LateOutcomes;
  readonly tenants: TenantStore;
  /** Settings, and the forwarding local parts' owners (one index lookup per recipient). */
  readonly settings: SenderSettingsReader & LocalPartIndex;
  readonly deriveKey: (purpose: string) => Buffer;
  readonly tls: { readonly key: Buffer; readonly cert: Buffer };
  /** The From of the reply-address confirmation mail (the gateway's bounce address). */
  readonly confirmationFrom: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Delivery wakes up on this. */
  readonly onQueued: () => void;
  /** Addresses on a domain the tenant verified need no confirmation as reply targets. */
  readonly domains?: DomainDirectory;
  /** Free-space watermark: below it the MX answers 452 4.3.1. */
  readonly disk?: DiskSpace;
  /** The tenant's language (content settings), for the weekly report digest. */
  readonly tenantLanguage?: (tenantId: string) => string | undefined;
  /** Webhook events of replies and complaints (src/feedback/feedback-events.ts); none when absent. */
  readonly events?: FeedbackEvents;
  /** Told of each late bounce recorded (bounce alerts). */
  readonly onLateBounce?: (message: QueuedMessage, address: string, reply: string) => void;
  /**
   * The shared database (`store.backend: postgres`): the suppression list, bounce counts, sent
   * Message-IDs, reply targets (mx-data.ts) and complaints are the cluster's; without it the node's LMDB.
   */
  readonly pool?: pg.Pool;
}

export interface Mx {
  readonly suppressions: SuppressionStore;
  /** Complaints from receivers' feedback loops (ARF), per tenant (`complaints/…` in the storage, or shared). */
  readonly complaints: ComplaintStore;
  /** Confirmation of each tenant's "send replies to" address (the API and the public link page use it). */
  readonly replyConfirmation: ReplyConfirmation;
  /** Each sent mail's Message-ID, so that a reply to it can be forwarded (the pipeline records them). */
  readonly sent: Pick<SentIndex, 'record'>;
  /** DMARC aggregate and TLS-RPT reports received, per owner and domain (the API reads them). */
  readonly reports: ReportReader;
  /** One round of the weekly report digest (tests; the MX runs it hourly while it listens). */
  runReportDigest(): Promise<number>;
  /**
   * Starts the listener when enabled (`mx.enabled` and platform.sendingDomain set) and processes
   * what a crash left; undefined when off. The caller closes the listener with the others.
   */
  start(): Promise<{ readonly port: number; readonly listener: SmtpListener } | undefined>;
  /** Resolves when the messages accepted so far are processed (tests). */
  idle(): Promise<void>;
  /** After the listener and delivery have stopped: waits for processing, closes the store. */
  close(): Promise<void>;
}

/** The confirmation of reply-forwarding addresses, on the MX store, mailing through the queue. */
function replyConfirmationFor(opts: MxOptions, targets: ReplyTargets): ReplyConfirmation {
  const { config } = opts;
  return createReplyConfirmation({
    targets,
    queue: opts.queue,
    domainVerified: (domain, tenantId) => (opts.domains ? opts.domains.isVerified(domain, tenantId) : false),
    tenantName: async (tenantId) => (await opts.tenants.byId(tenantId))?.name,
    confirmUrl: `${config.http.publicBaseUrl.replace(/\/+$/, '')}/reply-address/confirm`,
    hostname: config.hostname,
    from: opts.confirmationFrom,
    clock: opts.clock,
    logger: opts.logger,
    onQueued: opts.onQueued,
  });
}

/** Complaints: the cluster's on the shared database, else the node's LMDB (`complaints/…`). */
function complaintsFor(opts: MxOptions): Promise<ComplaintStore> {
  const events = opts.events && { events: opts.events, message: (id: string) => opts.queue.get(id) };
  if (opts.pool === undefined) return Promise.resolve(openComplaintStore(opts.storage, events));
  const onListenError = (err: Error) => opts.logger.warn({ err }, 'complaints: listening for changes failed');
  return openPgComplaintStore(opts.pool, events, { onListenError });
}

/** DMARC and TLS report intake; the digest goes to the tenant's confirmed reply address. */
function reportsFor(opts: MxOptions, replyConfirmation: ReplyConfirmation): Reports {
  return openReports({
    storage: opts.storage,
    ownerOf: (domain) => opts.domains?.ownerOf(domain),
    queue: opts.queue,
    recipientOf: async (tenantId) => {
      const to = opts.settings.get(tenantId).replyTo;
      return to !== undefined && (await replyConfirmation.isConfirmed(tenantId, to)) ? to : undefined;
    },
    languageOf: (tenantId) => opts.tenantLanguage?.(tenantId),
    from: opts.confirmationFrom,
    hostname: opts.config.hostname,
    metrics: opts.metrics,
    logger: opts.logger,
    clock: opts.clock,
    onQueued: opts.onQueued,
  });
}

/**
 * The inbound MX, composed for gateway.ts: its store (`mx/…` in the storage: inbox, suppression
 * list, sent Message-IDs, reply targets; the last three on the shared database when `pool` is
 * given), the listener and the processor. The store is open even when the listener is off: the
 * API and the pipeline's MX steps (registered by the composition root,
 * src/pipeline/suppression/mx-plan.ts) use it.
 */
export async function openMx(opts: MxOptions): Promise<Mx> {
  const { config } = opts;
  const stores = openMxStores(opts.storage);
  const data = await openMxData(stores, opts.logger, opts.pool).catch(async (err: unknown) => {
    await closeMxStores(stores);
    throw err;
  });
  const { suppressions, sent } = data;
  const complaints = await complaintsFor(opts).catch(async (err: unknown) => {
    await data.close();
    await closeMxStores(stores);
    throw err;
  });
  const inbox = createInbox(stores);
  const replyConfirmation = replyConfirmationFor(opts, data.replyTargets);
  const reports = reportsFor(opts, replyConfirmation);
  const replyTargetConfirmed = (tenantId: string, address: string): Promise<boolean> =>
    replyConfirmation.isConfirmed(tenantId, address);
  const sentSweeper = startRetentionSweeper(
    { purgeCompleted: data.purgeSent },
    {
      retentionMs: config.queue.retentionMs,
      clock: opts.clock,
      logger: opts.logger,
      what: 'sent Message-IDs',
    },
  );
  const sendingDomain = config.platform.sendingDomain;
  const domains: MxDomains | undefined =
    sendingDomain === null
      ? undefined
      : {
          sendingDomain,
          bounceDomain: config.platform.bounceDomain ?? sendingDomain,
          bounceLocalPart: config.platform.bounceLocalPart,
          srsKey: opts.deriveKey('srs'),
          ...(opts.domains?.bounceHostOwner
            ? { bounceHostOwner: opts.domains.bounceHostOwner.bind(opts.domains) }
            : {}),
        };
  const processor =
    domains &&
    createMxProcessor(
      {
        queue: opts.queue,
        tenants: opts.tenants,
        settings: opts.settings,
        suppressions,
        complaints,
        sent,
        replyTargetConfirmed,
        domains,
        thresholds: { hard: config.mx.hardBounces, userUnknown: config.mx.userUnknownBounces },
        verpKey: opts.deriveKey('verp'),
        metrics: opts.metrics,
        logger: opts.logger,
        clock: opts.clock,
        onQueued: opts.onQueued,
        reports: reports.intake,
        ...(opts.events ? { events: opts.events } : {}),
        ...(opts.onLateBounce ? { onLateBounce: opts.onLateBounce } : {}),
      },
      inbox,
    );

  return {
    suppressions,
    complaints,
    replyConfirmation,
    sent,
    reports: reports.reader,
    runReportDigest: () => reports.runDigest(),
    async start() {
      if (!domains || !processor || !config.mx.enabled) return undefined;
      processor.recover();
      reports.start();
      const listener = createMxListener({
        smtp: config.smtp,
        hostname: config.hostname,
        tls: opts.tls,
        domains,
        inbox,
        metrics: opts.metrics,
        logger: opts.logger,
        clock: opts.clock,
        onStored: (id) => processor.submit(id),
        ...(opts.disk ? { disk: opts.disk } : {}),
        checkForwarding: async (localPart) => {
          const found = await tenantByLocalPart(opts.tenants, opts.settings, localPart);
          if (!found) return MxReplies.unknownUser();
          return found.settings.replyTo === undefined ? MxReplies.noReplies() : undefined;
        },
      });
      const { port } = await bindOrExplain('the inbound MX', 'mx.port', config.mx.host, config.mx.port, () =>
        listener.listen(config.mx.port, config.mx.host),
      );
      opts.logger.info({ port, domains: [domains.sendingDomain, domains.bounceDomain] }, 'mx listening');
      return { port, listener };
    },
    idle: () => processor?.idle() ?? Promise.resolve(),
    async close() {
      processor?.stop();
      await processor?.idle();
      await sentSweeper.stop();
      await reports.close();
      await complaints.close();
      await data.close();
      await closeMxStores(stores);
    },
  };
}
