import { createRequire } from "node:module";

/** What the fix touches of kafkajs's per-connection request queue (kafkajs 2.2.x). */
interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** kafkajs's own interval for looking at requests waiting behind a throttle. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4 (its last release) re-arms a timer of about 1 ms on every broker connection
 * forever, even with nothing waiting and no throttle (tulios/kafkajs#1556; the fix, #1667, was
 * never released): an idle role spent a few % of a core on it. This replaces the one method
 * with the fixed one: a check is scheduled only for requests that wait, or for the end of a
 * throttle.
 */
export function applyKafkajsIdleFix(): void {
  const require = createRequire(import.meta.url);
  const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as { prototype: RequestQueueState & { scheduleCheckPendingRequests(): void } };
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueState) {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    if (this.pending.length === 0 && untilUnthrottled <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
}
