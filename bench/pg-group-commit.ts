/**
 * Group commit for the driver comparison: accepts that arrive while a commit is in flight wait and
 * go into the next single transaction together (at most `maxBatch` rows, `maxInFlight` commits at once).
 */
export interface GroupCommitOptions {
  readonly maxBatch: number;
  readonly maxInFlight: number;
}

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export function groupCommit<T>(
  writeBatch: (items: T[]) => Promise<void>,
  { maxBatch, maxInFlight }: GroupCommitOptions,
): (item: T) => Promise<void> {
  const waiting: Waiting<T>[] = [];
  let inFlight = 0;
  const flush = (): void => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      inFlight++;
      writeBatch(batch.map((w) => w.item)).then(
        () => settle(batch, undefined),
        (err: unknown) => settle(batch, err ?? new Error('batch failed')),
      );
    }
  };
  const settle = (batch: Waiting<T>[], err: unknown): void => {
    inFlight--;
    for (const w of batch) err === undefined ? w.resolve() : w.reject(err);
    flush();
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      flush();
    });
}
