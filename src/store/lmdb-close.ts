import type { RootDatabase } from 'lmdb';

/**
 * Closes an environment after `lastWrite`, a no-op write (removing a key that never exists)
 * started just now. lmdb's close() first waits for the flush promise of the last batch, and
 * after a failed batch (disk full) that promise never settles (see queue/failure-signal.ts),
 * so close() would hang; the last write gives it a batch that finishes.
 */
export async function closeSettled(root: RootDatabase, lastWrite: Promise<unknown>): Promise<void> {
  const done = lastWrite.then(
    () => undefined,
    () => undefined,
  );
  guardBatch(root);
  await done;
  await root.close();
}

/**
 * lmdb-js 3.5.6 starts each event-turn batch with an internal write whose promise it drops;
 * when that batch's commit fails (disk full) the promise rejects with nobody listening, an
 * unhandled rejection that would kill the process. After lmdb's own setImmediate has started
 * the batch, `root.committed` hands out exactly that promise: attaching a no-op handler
 * marks it handled. Our real errors still reach callers through their own write promises.
 */
export function guardBatch(root: RootDatabase): void {
  setImmediate(() => {
    root.committed.then(
      () => undefined,
      () => undefined,
    );
  });
}
