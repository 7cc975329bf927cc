export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until `condition` holds, checking every `everyMs`; fails after `timeoutMs`, saying what
 * it waited for (`what` as a function when the message should describe the moment it gave up).
 */
export async function until(condition: () => boolean, timeoutMs: number, what: string | (() => string), everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${typeof what === "string" ? what : what()}`);
    await sleep(everyMs);
  }
}
