import type { IncomingMessage, ServerResponse } from "node:http";
import type { Observable } from "rxjs";
import { map } from "rxjs";
import { LcError } from "../core/errors.js";
import type { Router } from "../core/http/router.js";
import { streamIdFromPath } from "../core/stream.js";
import type { FanoutSource } from "../ports/fanout/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import { toFrames } from "./comment-frames.js";
import { resumeFrames } from "./resume-frames.js";
import { HEARTBEAT, formatRetry } from "./sse-format.js";
import type { StreamFeeds } from "./stream-feeds.js";

/** Defaults of {@link EdgeRoutesOptions}. */
export const DEFAULT_BATCH_MS = 150;
export const MAX_BATCH_MS = 1000;
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_RETRY_MS = 2_000;
/** Bytes queued for one viewer before it counts as too slow and is disconnected. */
export const DEFAULT_MAX_VIEWER_BUFFER_BYTES = 1024 * 1024;

/** What the SSE endpoint needs. */
export interface EdgeRoutesOptions {
  readonly feeds: StreamFeeds;
  readonly fanout: FanoutSource;
  readonly streams: StreamRegistry;
  readonly heartbeatMs?: number;
  readonly retryMs?: number;
  /** Batch window when the viewer asks for none. */
  readonly defaultBatchMs?: number;
  readonly maxViewerBufferBytes?: number;
}

/** Adds `GET /v1/streams/{id}/comments/subscribe`. */
export function edgeRoutes(router: Router, options: EdgeRoutesOptions): Router {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const maxBuffer = options.maxViewerBufferBytes ?? DEFAULT_MAX_VIEWER_BUFFER_BYTES;

  return router.add("GET", "/v1/streams/:id/comments/subscribe", async (req, res, params, url) => {
    const streamId = streamIdFromPath(params.id);
    const batchMs = parseBatchMs(url.searchParams.get("batch_ms"), options.defaultBatchMs ?? DEFAULT_BATCH_MS);
    const afterSeq = parseLastEventId(req, url);
    if (!(await options.streams.get(streamId))) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);

    const live = options.feeds.frames(streamId, batchMs);
    const bytes$: Observable<Buffer> =
      afterSeq === undefined
        ? live.pipe(map((frame) => frame.bytes))
        : resumeFrames(live, options.fanout.subscribe(streamId, afterSeq).pipe(toFrames(batchMs)), afterSeq, batchMs === 0);
    serveEventStream(req, res, bytes$, { heartbeatMs, retryMs, maxBuffer });
  });
}

/**
 * Runs one SSE connection: headers and `retry:`, then the frames, a heartbeat, and the
 * teardown when either side goes. A viewer whose unsent bytes pass `maxBuffer` is cut off;
 * it reconnects with Last-Event-ID and loses nothing.
 */
function serveEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  bytes$: Observable<Buffer>,
  limits: { heartbeatMs: number; retryMs: number; maxBuffer: number },
): void {
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  // Jitter spreads the reconnects of many viewers dropped at once.
  res.write(formatRetry(limits.retryMs * (0.8 + Math.random() * 0.4)));
  const write = (chunk: Buffer | string) => {
    if (res.destroyed) return;
    res.write(chunk);
    if (res.writableLength > limits.maxBuffer) res.destroy();
  };
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
  });
}

function parseBatchMs(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const batchMs = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(batchMs >= 0 && batchMs <= MAX_BATCH_MS)) throw new LcError("invalid_argument", `batch_ms must be an integer from 0 to ${MAX_BATCH_MS}`);
  return batchMs;
}

/** The resume cursor from the Last-Event-ID header or the last_event_id query parameter. */
function parseLastEventId(req: IncomingMessage, url: URL): number | undefined {
  const header = req.headers["last-event-id"];
  const value = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("last_event_id");
  if (value === null || value === undefined || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new LcError("invalid_argument", "Last-Event-ID must be a seq (a non-negative integer)");
  return Number(value);
}
