import { smtpReply } from '../../core/smtp-reply.js';
import type { DeliveryResult, Transport } from '../../core/types.js';
import type { CaptureMailbox } from '../../core/dev-mailbox.js';

/**
 * The dev transport: every recipient is "delivered" into the local mailbox, nothing leaves
 * the machine. A failed disk write defers, like a next hop that is down.
 */
export function createCaptureTransport(mailbox: CaptureMailbox): Transport {
  return {
    name: 'capture',
    async send(envelope, raw): Promise<DeliveryResult> {
      try {
        const saved = await mailbox.save(envelope, raw);
        const reply = smtpReply(250, '2.0.0', `captured in dev mailbox as ${saved.id}`);
        return {
          recipients: envelope.to.map((address) => ({ address, outcome: 'delivered', reply, nextHop: 'capture' })),
        };
      } catch (err) {
        const reply = smtpReply(
          451,
          '4.3.0',
          `dev mailbox write failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        return {
          recipients: envelope.to.map((address) => ({ address, outcome: 'deferred', reply, nextHop: 'capture' })),
        };
      }
    },
    async close() {
      /* files are written and closed per message */
    },
  };
}
