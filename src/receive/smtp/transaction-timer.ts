/**
 * Which sessions are inside a mail transaction, and a deadline for each. smtp-server's
 * idle timer restarts on every byte, so a client dripping one byte at a time could hold a
 * transaction (and its memory) forever; this deadline runs from MAIL FROM to the end of
 * the client's DATA and does not restart.
 *
 * The deadline stops once the message is in (`inputDone`): the wait for the queue is ours,
 * and cutting the client off then could leave it retrying a message we already stored.
 * The session stays "in a transaction" until `end` (the DATA reply), which is what a
 * graceful shutdown waits for.
 */
export class TransactionTracker {
  private readonly active = new Map<string, NodeJS.Timeout | undefined>();
  private readonly idleWaiters = new Set<() => void>();

  /** `timeoutMs` 0 means no deadline. */
  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (sessionId: string) => void,
  ) {}

  /** MAIL FROM accepted: (re)starts the deadline. */
  begin(sessionId: string): void {
    this.clearTimer(sessionId);
    const timer = this.timeoutMs > 0 ? setTimeout(() => this.expire(sessionId), this.timeoutMs) : undefined;
    timer?.unref();
    this.active.set(sessionId, timer);
  }

  /** The client has sent the whole message: the deadline no longer applies. */
  inputDone(sessionId: string): void {
    if (!this.active.has(sessionId)) return;
    this.clearTimer(sessionId);
    this.active.set(sessionId, undefined);
  }

  /** DATA answered, session closed, or transaction abandoned. */
  end(sessionId: string): void {
    if (!this.active.has(sessionId)) return;
    this.clearTimer(sessionId);
    this.active.delete(sessionId);
    if (this.active.size === 0) for (const wake of [...this.idleWaiters]) wake();
  }

  isActive(sessionId: string): boolean {
    return this.active.has(sessionId);
  }

  get count(): number {
    return this.active.size;
  }

  /** Resolves once no session is in a transaction. */
  whenIdle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.idleWaiters.delete(wake);
        resolve();
      };
      this.idleWaiters.add(wake);
    });
  }

  private expire(sessionId: string): void {
    this.active.set(sessionId, undefined);
    this.onExpire(sessionId);
  }

  private clearTimer(sessionId: string): void {
    const timer = this.active.get(sessionId);
    if (timer !== undefined) clearTimeout(timer);
  }
}
