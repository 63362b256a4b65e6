import type { DocumentKind, DocumentReading } from '../../documents/facts.js';
import type { DocumentReader } from '../documents-of.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { MessageQueue, PeppolHandOff, Route } from '../../core/types.js';
import { peppolIdFor, peppolTokenContext, type PeppolSettings } from '../../tenants/peppol/peppol-settings.js';

/** What the Peppol steps read: the tenant's settings, and the token opened in memory for one attempt. */
export interface PeppolDeps {
  readonly settings: (tenantId: string) => PeppolSettings;
  readonly openSecret: (sealed: string, context: string) => string;
  /** Reads attachments off the main thread (the reader pool); without it only XML attachments are read. */
  readonly read?: DocumentReader;
}

/** What the alongside stage needs besides the Peppol settings: the queue (is the copy there yet?), time and names. */
export interface PeppolStageDeps extends PeppolDeps {
  readonly queue: Pick<MessageQueue, 'get'>;
  readonly clock: Clock;
  readonly hostname: string;
  readonly logger: Logger;
}

/** A UBL document fit for Peppol: its bytes as attached, its kind and the seller's participant id if it names one. */
export interface PeppolDocument {
  readonly ubl: Buffer;
  readonly kind: DocumentKind;
  readonly sellerId?: string;
}

/**
 * The first UBL invoice or credit note that passed every rule we check; or why none may go over
 * Peppol (a CII or Factur-X document is not what Peppol BIS Billing carries; an invalid one would
 * be refused by the receiving access point, and the mail still goes).
 */
export function peppolDocument(readings: readonly DocumentReading[]): PeppolDocument | { readonly skipped: string } {
  const ubl = readings.find((r) => r.format === 'ubl-invoice' || r.format === 'ubl-credit-note');
  if (!ubl?.xml) return { skipped: 'no UBL invoice or credit note attached' };
  // Rule failures only: a note of the reader (an IBAN whose check digits fail) is no reason to hold a document back.
  const failed = (ubl.validation ?? []).map((f) => `${f.rule} ${f.message}`);
  if (failed.length > 0) return { skipped: `the UBL document is not valid: ${failed.slice(0, 3).join('; ')}` };
  const kind: DocumentKind = ubl.facts.kind?.value ?? (ubl.format === 'ubl-credit-note' ? 'credit-note' : 'invoice');
  const sellerId = ubl.facts.sellerEndpoint?.value;
  return { ubl: ubl.xml, kind, ...(sellerId !== undefined ? { sellerId } : {}) };
}

/** The route of one document to one listed recipient, or undefined when the tenant's Peppol delivery does not apply. */
export function peppolRoute(
  deps: PeppolDeps,
  tenantId: string,
  address: string,
  doc: Pick<PeppolDocument, 'kind' | 'sellerId'>,
): Route | undefined {
  const settings = deps.settings(tenantId);
  const receiver = peppolIdFor(settings, address);
  if (receiver === undefined || !settings.accessPointUrl || !settings.tokenSealed) return undefined;
  const sender = settings.senderId ?? doc.sellerId;
  const peppol: PeppolHandOff = {
    baseUrl: settings.accessPointUrl,
    token: deps.openSecret(settings.tokenSealed, peppolTokenContext(tenantId)),
    receiver,
    ...(sender !== undefined ? { sender } : {}),
    documentType: doc.kind,
  };
  return { kind: 'peppol', key: `${tenantId}:${settings.updatedAt}`, peppol };
}
