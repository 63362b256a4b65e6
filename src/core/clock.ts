/** Time is injected everywhere so that tests can run schedules in milliseconds. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
