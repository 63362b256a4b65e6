/**
 * smtp-server speaks callbacks; our handlers are async functions. This is the one adapter
 * between the two, so that a rejected promise always reaches smtp-server as an error
 * (and from there the client as a reply) instead of becoming an unhandled rejection.
 */
export function toCallback<T>(promise: Promise<T>, callback: (err: Error | null, value?: T) => void): void {
  promise.then(
    (value) => callback(null, value),
    (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
  );
}
