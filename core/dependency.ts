import { LcError } from "./errors.js";
import type { ErrorReason } from "./errors.js";

/**
 * Awaits a call to an engine (a log, a store, a cache): LcErrors pass through, and any other
 * failure becomes a 503-class LcError naming what is unavailable, so an engine outage is
 * answered "try again" rather than as an internal error.
 */
export async function dependency<T>(what: string, pending: Promise<T>, reason: ErrorReason = "unavailable"): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof LcError) throw error;
    throw new LcError(reason, `the ${what} is unavailable`, { retryAfterMs: 1000, cause: error });
  }
}
