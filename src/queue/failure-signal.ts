import type { GatewayError } from '../core/gateway-error.js';

/**
 * Lets enqueues that are waiting for their fsync learn that a later commit failed.
 *
 * Why: with overlappingSync, lmdb-js resolves a batch's flush promise from the callback of
 * the *next* batch. When that next batch fails (disk full), the earlier batch's flush promise
 * is never resolved nor rejected (seen with lmdb 3.5.6 on a full tmpfs), so an enqueue
 * awaiting it would hang forever. Guarding the flush with this signal turns that hang into
 * an E_STORAGE_FULL for the client, who retries: a possible duplicate, never a false 250.
 *
 * Each guard is forgotten as soon as its flush settles. (Racing every flush against one shared
 * promise that only settles on a failure left a reaction on that promise per message, held
 * until the next failure: about 400 bytes of heap per message accepted, for ever.)
 */
export class FailureSignal {
  private fired = 0;
  private lastError: GatewayError | undefined;
  private readonly waiting = new Set<(err: GatewayError) => void>();

  /** Take it before the write it guards: `guard` then also rejects for a failure in between. */
  ticket(): number {
    return this.fired;
  }

  /** `work`'s outcome, or the first failure fired since `ticket` while `work` is still pending. */
  guard<T>(work: Promise<T>, ticket: number): Promise<T> {
    if (ticket !== this.fired && this.lastError) return Promise.reject(this.lastError);
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      work.then(resolve, reject).finally(() => this.waiting.delete(reject));
    });
  }

  /** Guards still waiting for their work (zero when nothing is being written). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  fire(err: GatewayError): void {
    this.fired++;
    this.lastError = err;
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const reject of waiting) reject(err);
  }
}
