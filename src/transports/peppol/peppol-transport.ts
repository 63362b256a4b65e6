import { smtpReply, type SmtpReply } from '../../core/smtp-reply.js';
import type { DeliveryResult, Envelope, RecipientResult, Route, Transport } from '../../core/types.js';
import { isTargetError } from '../egress/target-guard.js';
import { submitDocument, type AccessPointAnswer, type AccessPointOptions } from './access-point-client.js';

/**
 * Hands a UBL document (the delivery's bytes) to the access point of a `peppol` route. The
 * access point's answer becomes the recipient's: 2xx delivered, 4xx (but 408/425/429) bounced
 * with the access point's reason, 5xx, 408/425/429, a timeout or a network failure deferred for
 * the queue's retry schedule. Knows no tenants: the route carries all it needs.
 */
export function createPeppolTransport(opts: AccessPointOptions): Transport {
  return {
    name: 'peppol',
    async send(envelope: Envelope, raw: Buffer, route: Route): Promise<DeliveryResult> {
      if (route.kind !== 'peppol') return answerAll(envelope, smtpReply(451, '4.3.5', 'peppol cannot take this route'));
      const nextHop = `peppol ${route.peppol.receiver}`;
      try {
        const answer = await submitDocument(route.peppol, raw, opts);
        return answerAll(envelope, replyFor(answer), nextHop);
      } catch (err) {
        return answerAll(envelope, failureReply(err), nextHop);
      }
    },
    close: async () => undefined,
  };
}

const TRANSIENT_4XX = new Set([408, 425, 429]);

export function replyFor(answer: AccessPointAnswer): SmtpReply {
  const reason = reasonOf(answer.body);
  if (answer.status >= 200 && answer.status < 300)
    return smtpReply(250, '2.0.0', `accepted by the Peppol access point${reason ? `: ${reason}` : ''}`);
  const said = `access point answered ${answer.status}${reason ? `: ${reason}` : ''}`;
  if (answer.status >= 400 && answer.status < 500 && !TRANSIENT_4XX.has(answer.status))
    return smtpReply(554, '5.6.0', `refused by the Peppol ${said}`);
  return smtpReply(451, '4.4.0', `Peppol ${said}`);
}

function failureReply(err: unknown): SmtpReply {
  const words = err instanceof Error ? err.message : String(err);
  if (isTargetError(err) && err.code === 'ETARGET')
    return { ...smtpReply(554, '5.4.0', `Peppol ${words}`), failure: 'ETARGET' };
  return { ...smtpReply(451, '4.4.1', `Peppol access point: ${words}`), failure: 'ENETWORK' };
}

/** The access point's own words: a JSON answer's message, error, detail or id; else its text, on one short line. */
function reasonOf(body: string): string {
  let text = body;
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const said = ['message', 'error', 'detail', 'reason'].map((k) => json[k]).find((v) => typeof v === 'string');
    const id = ['id', 'sbdhInstanceID', 'documentId'].map((k) => json[k]).find((v) => typeof v === 'string');
    text = typeof said === 'string' ? said : typeof id === 'string' ? `id ${id}` : '';
  } catch {
    // not JSON: its text, as the access point wrote it
  }
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e\u00a0-\uffff]/g, '')
    .trim()
    .slice(0, 200);
}

function answerAll(envelope: Envelope, reply: SmtpReply, nextHop?: string): DeliveryResult {
  const outcome: RecipientResult['outcome'] =
    reply.code < 300 ? 'delivered' : reply.code >= 500 ? 'bounced' : 'deferred';
  return {
    recipients: envelope.to.map((address) => ({ address, outcome, reply, ...(nextHop ? { nextHop } : {}) })),
  };
}
