/** Wall-clock time in milliseconds, injected so tests control it. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
