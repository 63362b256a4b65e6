/**
 * The one way tests wait. A test never sleeps for a fixed time hoping the work is done by then:
 * it polls the condition it needs, with a bounded deadline, so it is as fast as the machine allows
 * and still passes on a slow, shared one.
 */

const POLL_MS = 10;

type NotYet = undefined | null | false;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it gives a value (anything but undefined, null or false) and returns that
 * value; fails after `timeoutMs` naming `what`. A boolean check works too: it resolves on `true`.
 * `everyMs` spaces the polls of a probe that costs something (an HTTP call under a rate limit).
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  timeoutMs = 15_000,
  what = 'condition',
  everyMs = POLL_MS,
): Promise<Exclude<T, NotYet>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(everyMs);
  }
}

/**
 * Proves that nothing happens for `ms`: `check` must hold (not throw, not return false) the whole
 * time. This is the only fixed wait tests may use, because here the waiting is the point (no second
 * message arrives, a timer does not fire early); it fails as soon as `check` does.
 */
export async function expectNothingFor(ms: number, check: () => unknown = () => true, what = 'nothing'): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if ((await check()) === false) throw new Error(`expected ${what} for ${ms} ms, but it changed`);
    const left = end - Date.now();
    if (left <= 0) return;
    await pause(Math.min(POLL_MS, left));
  }
}

/** Waits until Date.now() has moved past `from`: for ids and timestamps that must differ by a millisecond. */
export async function nextMillisecond(from = Date.now()): Promise<void> {
  await waitFor(() => Date.now() > from, 8_000, 'the clock to move on', 1);
}
