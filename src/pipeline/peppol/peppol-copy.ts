import { createHash } from 'node:crypto';
import type { NewMessage, QueuedMessage } from '../../core/types.js';
import type { PeppolDocument } from './peppol-document.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The Peppol message's queue id, derived from the original's like the accountant copy's: queued once. */
export function peppolCopyId(originalId: string): string {
  const digest = createHash('sha256').update(`peppol:${originalId}`).digest();
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[(digest[i] ?? 0) % 32];
  return originalId.slice(0, 10) + tail;
}

/**
 * The message that carries a document to the access point: kind `peppol`, the UBL document as
 * its body (sent byte for byte), the listed recipients as its recipients, so the message log
 * shows each one's Peppol state. The null sender: a refusal is shown in the log, never mailed.
 */
export function peppolMessage(
  original: QueuedMessage,
  recipients: readonly string[],
  doc: PeppolDocument,
  now: number,
  hostname: string,
): { readonly message: NewMessage; readonly raw: Buffer } {
  const id = peppolCopyId(original.id);
  const message: NewMessage = {
    id,
    tenantId: original.tenantId,
    kind: 'peppol',
    envelope: { from: '', to: [...recipients] },
    receivedAt: now,
    client: { address: '127.0.0.1', helo: hostname },
    messageId: `<${id.toLowerCase()}.peppol@${hostname}>`,
    ...(original.subject !== undefined ? { subject: original.subject } : {}),
  };
  return { message, raw: doc.ubl };
}
