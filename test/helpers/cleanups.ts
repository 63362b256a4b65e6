import { afterEach } from 'vitest';

/** What a test file opened (sinks, transports, harnesses), closed after each test, newest first. */
export interface Cleanups {
  push(cleanup: () => Promise<unknown> | unknown): void;
  /** Closes `thing` after the test; returns it. */
  closing<T extends { close(): Promise<unknown> | unknown }>(thing: T): T;
}

/** Call once at the top of a test file: it registers the afterEach that runs the cleanups. */
export function cleanupAfterEach(): Cleanups {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    push: (cleanup) => {
      cleanups.push(cleanup);
    },
    closing(thing) {
      cleanups.push(() => thing.close());
      return thing;
    },
  };
}
