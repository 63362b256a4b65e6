import type { Logger } from '../../core/logger.js';
import type { Plan, PlannedDelivery } from '../../core/plan.js';
import { smtpReply } from '../../core/smtp-reply.js';
import type { RecipientState } from '../../core/types.js';
import { readXmlDocument } from '../../documents/xml/read-xml.js';
import type { RecipientStep } from '../steps.js';
import { documentsOf } from '../documents-of.js';
import { listedRecipients } from './peppol-stage.js';
import { peppolDocument, peppolRoute, type PeppolDeps, type PeppolDocument } from './peppol-document.js';

/**
 * Peppol "instead of" the e-mail: a listed client recipient of a mail with a valid UBL invoice or
 * credit note gets the document through the access point and no e-mail; its state in the message
 * log is the access point's answer. Without a valid document it gets the e-mail as always.
 * Runs at every attempt, before rendering (the token is opened per attempt, never stored).
 */
export function peppolInsteadStep(deps: PeppolDeps, logger: Logger): RecipientStep {
  return async (message, body, pending) => {
    const listed = listedRecipients(deps, { message, pending }, 'instead');
    if (listed.length === 0) return { decided: [], rest: pending };
    const doc = peppolDocument(await documentsOf({ source: body }, deps.read));
    if ('skipped' in doc) {
      logger.info({ queueId: message.id, tenantId: message.tenantId }, `peppol: ${doc.skipped}; sent by e-mail`);
      return { decided: [], rest: pending };
    }
    const decided = listed.map((address) => handOff(deps, message.tenantId, address, doc));
    const handed = new Set(listed);
    return { decided, rest: pending.filter((r: RecipientState) => !handed.has(r.address)) };
  };
}

function handOff(deps: PeppolDeps, tenantId: string, address: string, doc: PeppolDocument): PlannedDelivery {
  const route = peppolRoute(deps, tenantId, address, doc) ?? notListed();
  return { route, recipients: [address], envelope: { from: '', to: [address] }, raw: doc.ubl };
}

function notListed() {
  return {
    kind: 'suppressed' as const,
    reply: smtpReply(554, '5.7.0', 'Peppol delivery is off or this recipient is no longer listed'),
  };
}

/**
 * Plans a queued `peppol` message: its body is the UBL document; each pending recipient goes to
 * the access point with the tenant's current settings (changed or turned off since: refused).
 */
export function peppolPlanner(deps: PeppolDeps): Plan {
  return async (message, body, pending) => {
    const reading = readXmlDocument(body);
    const kind = reading.facts.kind?.value ?? (reading.format === 'ubl-credit-note' ? 'credit-note' : 'invoice');
    const sellerId = reading.facts.sellerEndpoint?.value;
    const doc: PeppolDocument = { ubl: body, kind, ...(sellerId !== undefined ? { sellerId } : {}) };
    return pending.map((r) => handOff(deps, message.tenantId, r.address, doc));
  };
}
