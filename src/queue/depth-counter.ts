import type { QueuedMessage } from '../core/types.js';
import { isPending } from './records.js';

export interface QueueDepth {
  readonly messages: number;
  readonly queued: number;
  readonly deferred: number;
}

/**
 * Pending counts kept in memory, because /metrics scrapes them often: filled by one scan at
 * open, then moved by each committed change (remove the old record's share, add the new one's).
 */
export class DepthCounter {
  private messages = 0;
  private queued = 0;
  private deferred = 0;

  add(msg: QueuedMessage): void {
    this.apply(msg, 1);
  }

  remove(msg: QueuedMessage): void {
    this.apply(msg, -1);
  }

  snapshot(): QueueDepth {
    return { messages: this.messages, queued: this.queued, deferred: this.deferred };
  }

  private apply(msg: QueuedMessage, sign: 1 | -1): void {
    const pending = msg.recipients.filter(isPending);
    if (pending.length === 0) return;
    this.messages += sign;
    this.queued += sign * pending.filter((r) => r.status === 'queued').length;
    this.deferred += sign * pending.filter((r) => r.status === 'deferred').length;
  }
}
