import { newQueueId } from '../core/ids.js';
import type { NewMessage, QueuedMessage } from '../core/types.js';
import { joinMessage, setField, splitMessage } from '../mime/index.js';

/**
 * A resend of a message as a new message: the stored bytes the client sent, with a new
 * Message-ID (a receiving mailbox drops a second message with an id it has seen), to the same
 * client recipients or to the addresses given (a corrected address). Archive and accountant
 * recipients are not repeated: they have the original. The new message goes through the whole
 * pipeline again, so it leaves with the tenant's settings of now; the suppression list decides
 * for each recipient, as for any message.
 */
export function buildResend(
  original: QueuedMessage,
  body: Buffer,
  to: readonly string[] | undefined,
  now: number,
  hostname: string,
): { readonly message: NewMessage; readonly body: Buffer } {
  const id = newQueueId(now);
  const messageId = `<${id}@${hostname}>`;
  const clients = original.recipients.filter((r) => (r.role ?? 'client') === 'client').map((r) => r.address);
  const recipients = [...new Set((to ?? clients).map((a) => a.trim()))];
  const message: NewMessage = {
    id,
    tenantId: original.tenantId,
    kind: 'mail',
    envelope: { from: original.envelope.from, to: recipients },
    receivedAt: now,
    client: original.client,
    messageId,
    ...(original.subject === undefined ? {} : { subject: original.subject }),
    resentFrom: original.id,
  };
  return { message, body: joinMessage(setField(splitMessage(body), 'Message-ID', messageId)) };
}
