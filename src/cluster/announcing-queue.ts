import type { QueuedMessage } from '../core/types.js';
import type { GatewayQueue } from '../queue/gateway-queue.js';

/**
 * The queue as a receiving worker uses it: unchanged, except that every message it queues (a submission,
 * the copies a plan adds) is announced once committed, so that the delivering worker counts and sends it.
 */
export function announcingQueue(
  queue: GatewayQueue,
  announce: (records: readonly QueuedMessage[]) => void,
): GatewayQueue {
  const enqueue: GatewayQueue['enqueue'] = async (message, body) => {
    const record = await queue.enqueue(message, body);
    announce([record]);
    return record;
  };
  const writeEffects: GatewayQueue['writeEffects'] = async (effects) => {
    const copies = await queue.writeEffects(effects);
    announce(copies);
    return copies;
  };
  const resend: GatewayQueue['resend'] = async (originalId, message, body) => {
    const record = await queue.resend(originalId, message, body);
    announce([record]);
    return record;
  };
  return new Proxy(queue, {
    get(target, prop) {
      if (prop === 'enqueue') return enqueue;
      if (prop === 'writeEffects') return writeEffects;
      if (prop === 'resend') return resend;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
