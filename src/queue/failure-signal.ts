import type { GatewayError } from '../core/gateway-error.js';

/**
 * Lets enqueues that are waiting for their fsync learn that a later commit failed.
 *
 * Why: with overlappingSync, lmdb-js resolves a batch's flush promise from the callback of
 * the *next* batch. When that next batch fails (disk full), the earlier batch's flush promise
 * is never resolved nor rejected (seen with lmdb 3.5.6 on a full tmpfs), so an enqueue
 * awaiting it would hang forever. Racing the flush against this signal turns that hang into
 * an E_STORAGE_FULL for the client, who retries: a possible duplicate, never a false 250.
 */
export class FailureSignal {
  private pending: Promise<never>;
  private rejectPending: (err: GatewayError) => void = () => undefined;

  constructor() {
    this.pending = this.arm();
  }

  /** A promise that rejects at the next `fire()`. Take it before the write it guards. */
  next(): Promise<never> {
    return this.pending;
  }

  fire(err: GatewayError): void {
    this.rejectPending(err);
    this.pending = this.arm();
  }

  private arm(): Promise<never> {
    const pending = new Promise<never>((_, reject) => {
      this.rejectPending = reject;
    });
    // Nobody may be waiting when it fires: that is not an unhandled rejection.
    pending.catch(() => undefined);
    return pending;
  }
}
