/** What one exclusive run did: ran the job here, or left it to the one that runs it right now. */
export type ExclusiveRunResult<R> = { readonly ran: true; readonly result: R } | { readonly ran: false };

/**
 * Runs a periodic job (a sweep, a digest, a purge) unless the job of that name runs elsewhere
 * right now: on a shared database several nodes run the same timers, and one of them is enough.
 * A skip never waits; the job's next round comes with its timer. The timers take one of these
 * without knowing what excludes the others (compose passes store/postgres/cluster-job.ts's lock).
 */
export type ExclusiveRun = <R>(job: string, run: () => Promise<R>) => Promise<ExclusiveRunResult<R>>;

/** One node has nobody to leave the job to: it always runs here. */
export const runHere: ExclusiveRun = async (_job, run) => ({ ran: true, result: await run() });
