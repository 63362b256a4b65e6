import type { Clock } from '../core/clock.js';
import type { ExclusiveRun } from '../core/exclusive-run.js';
import type { Logger } from '../core/logger.js';
import type { MessageQueue } from '../core/types.js';
import type { Storage } from '../store/storage.js';
import type { OpenDocuments } from '../store/tenant-documents.js';
import { openAlertStore, type AlertStore } from '../feedback/bounce-alerts/alert-store.js';
import { createBounceAlerts, type BounceAlerts } from '../feedback/bounce-alerts/bounce-alerts.js';
import { DOCUMENT_TYPES, documentTypeName, type DocumentType } from '../pipeline/detect/document-types.js';
import type { ContentAnnotation } from '../pipeline/content/content-settings-store.js';
import type { SenderSettingsReader } from '../tenants/sender-settings-store.js';

export interface BounceAlertOptions {
  readonly storage: Storage;
  /** Where the settings and state documents live (compose/open-tenant-documents.ts); this node's LMDB by default. */
  readonly documents?: OpenDocuments;
  readonly queue: Pick<MessageQueue, 'enqueue'>;
  /** What the content stage noted of a message (the queue's annotations). */
  readonly annotation: (queueId: string) => ContentAnnotation | undefined;
  readonly settings: SenderSettingsReader;
  /** Whether the tenant confirmed this reply address (the MX's reply confirmation). */
  readonly isConfirmed: (tenantId: string, address: string) => Promise<boolean>;
  readonly languageOf: (tenantId: string) => string | undefined;
  readonly publicBaseUrl: string;
  readonly from: string;
  readonly hostname: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onQueued: () => void;
  /** Keeps the daily digest to one node at a time (default: always here). */
  readonly exclusive?: ExclusiveRun;
}

export interface BounceAlertParts {
  readonly store: AlertStore;
  readonly alerts: BounceAlerts;
  close(): Promise<void>;
}

function isDocumentType(type: string): type is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(type);
}

/** The bounce alerts with what they read of other folders: the reply address, the language, the document. */
export async function openBounceAlerts(opts: BounceAlertOptions): Promise<BounceAlertParts> {
  const store = await openAlertStore(opts.storage, opts.documents);
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const alerts = createBounceAlerts({
    store,
    queue: opts.queue,
    recipientOf: async (tenantId) => {
      const to = opts.settings.get(tenantId).replyTo;
      return to !== undefined && (await opts.isConfirmed(tenantId, to)) ? to : undefined;
    },
    languageOf: opts.languageOf,
    documentOf: (queueId, language) => {
      const note = opts.annotation(queueId);
      if (note?.documentNumber === undefined) return undefined;
      const type = isDocumentType(note.documentType) ? note.documentType : 'other';
      return `${documentTypeName(type, language)} ${note.documentNumber}`;
    },
    linkOf: (queueId) => `${base}/settings?message=${encodeURIComponent(queueId)}#/messages`,
    from: opts.from,
    hostname: opts.hostname,
    clock: opts.clock,
    logger: opts.logger,
    onQueued: opts.onQueued,
    ...(opts.exclusive ? { exclusive: opts.exclusive } : {}),
  });
  return {
    store,
    alerts,
    async close() {
      await alerts.stop();
      await store.close();
    },
  };
}
