import type { IncomingMessage, ServerResponse } from "node:http";
import type { Observable } from "rxjs";
import { HEARTBEAT, formatRetry } from "./sse-format.js";
import type { ViewerTicket, Viewers } from "./viewers.js";

/** Limits of one SSE connection. */
export interface EventStreamLimits {
  readonly heartbeatMs: number;
  readonly retryMs: number;
  /** Unsent bytes past which the viewer counts as too slow and is cut off. */
  readonly maxBufferedBytes: number;
}

/**
 * Runs one SSE connection: admission, headers and `retry:`, then the frames and a heartbeat,
 * and the teardown when either side goes. A viewer whose unsent bytes pass the limit is cut
 * off; it reconnects with Last-Event-ID and loses nothing. Admission errors are thrown before
 * anything is written, so they become ordinary JSON errors.
 */
export function serveEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  streamId: string,
  bytes$: Observable<Buffer>,
  viewers: Viewers,
  limits: EventStreamLimits,
): void {
  const write = (chunk: Buffer | string) => {
    if (res.destroyed || res.writableEnded) return;
    res.write(chunk);
    if (res.writableLength > limits.maxBufferedBytes) res.destroy();
  };
  const ticket: ViewerTicket = viewers.admit(req.socket.remoteAddress ?? "unknown", streamId, {
    write,
    closeWithRetry(retryMs) {
      write(formatRetry(retryMs));
      res.end();
    },
  });
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  // Jitter spreads the reconnects of many viewers dropped at once.
  res.write(formatRetry(limits.retryMs * (0.8 + Math.random() * 0.4)));
  const heartbeat = setInterval(() => write(HEARTBEAT), limits.heartbeatMs);
  heartbeat.unref();
  const subscription = bytes$.subscribe({
    next: write,
    error: () => res.end(),
    complete: () => res.end(),
  });
  res.on("close", () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
    ticket.leave();
  });
}
