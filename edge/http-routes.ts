import type { IncomingMessage } from "node:http";
import type { Observable } from "rxjs";
import { map } from "rxjs";
import { commentToJson } from "../core/comment.js";
import { LcError } from "../core/errors.js";
import { sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import { streamIdFromPath } from "../core/stream.js";
import type { FanoutSource } from "../ports/fanout/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import type { Authenticator } from "../ingest/authenticator.js";
import { toFrames, withOwnComments } from "./comment-frames.js";
import { openEventStream } from "./event-stream.js";
import { ViewerGroups } from "./viewer-groups.js";
import { pollOnce } from "./long-poll.js";
import { resumeFrames } from "./resume-frames.js";
import type { StreamFeeds } from "./stream-feeds.js";
import type { Viewers } from "./viewers.js";

/** Defaults of {@link EdgeRoutesOptions}. */
export const DEFAULT_BATCH_MS = 150;
export const MAX_BATCH_MS = 1000;
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_RETRY_MS = 2_000;
/** Bytes queued for one viewer before it counts as too slow and is disconnected. */
export const DEFAULT_MAX_VIEWER_BUFFER_BYTES = 1024 * 1024;
/** A viewer's rate cap when it asks for none (comments/s), and the most it may ask for. */
export const DEFAULT_VIEWER_MAX_RATE = 50;
export const MAX_VIEWER_MAX_RATE = 1_000;
/** The cookie an identified viewer may carry instead of the access_token parameter. */
export const VIEWER_TOKEN_COOKIE = "lc_token";
/** Long polls wait this long by default, and at most MAX_POLL_TIMEOUT_MS. */
export const DEFAULT_POLL_TIMEOUT_MS = 25_000;
export const MAX_POLL_TIMEOUT_MS = 60_000;

/** What the edge's endpoints need. */
export interface EdgeRoutesOptions {
  readonly feeds: StreamFeeds;
  readonly fanout: FanoutSource;
  readonly streams: StreamRegistry;
  readonly viewers: Viewers;
  /** Verifies viewer tokens; without it, a viewer presenting one is refused. */
  readonly authenticator?: Authenticator;
  /** Rate cap for viewers who ask for none. */
  readonly defaultMaxRate?: number;
  /** The viewers of a stream across all edges. */
  readonly viewerTotal: (streamId: string) => Promise<number>;
  readonly retryMs?: number;
  /** Batch window when the viewer asks for none. */
  readonly defaultBatchMs?: number;
  readonly maxViewerBufferBytes?: number;
}

/**
 * Adds `GET /v1/streams/{id}/comments/subscribe` (SSE), its fallback for clients without
 * EventSource, `GET /v1/streams/{id}/comments/poll?after_seq=&timeout_ms=` (long polling, same
 * resume semantics), and `GET /v1/streams/{id}/viewers`.
 */
export function edgeRoutes(router: Router, options: EdgeRoutesOptions): Router {
  const limits = {
    retryMs: options.retryMs ?? DEFAULT_RETRY_MS,
    maxBufferedBytes: options.maxViewerBufferBytes ?? DEFAULT_MAX_VIEWER_BUFFER_BYTES,
  };
  const groups = new ViewerGroups();
  const knownStream = async (id: string | undefined) => {
    const streamId = streamIdFromPath(id);
    if (!(await options.streams.get(streamId))) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    return streamId;
  };

  return router
    .add("GET", "/v1/streams/:id/comments/subscribe", async (req, res, params, url) => {
      const query = url.searchParams;
      const batchMs = parseBatchMs(query.get("batch_ms"), options.defaultBatchMs ?? DEFAULT_BATCH_MS);
      const maxRate = integerParam(query.get("max_rate"), "max_rate", options.defaultMaxRate ?? DEFAULT_VIEWER_MAX_RATE, 1, MAX_VIEWER_MAX_RATE);
      const afterSeq = parseLastEventId(req, url);
      const viewerId = await identify(req, query, options.authenticator);
      const streamId = await knownStream(params.id);
      const single = batchMs === 0;
      const live = options.feeds.frames(streamId, batchMs, maxRate);
      const stream = openEventStream(req, res, streamId, options.viewers, limits);
      if (afterSeq === undefined && viewerId === undefined) {
        // The common case, kept cheapest: a live anonymous viewer joins its feed's group.
        stream.onClose(groups.join(`${batchMs}:${maxRate}:${streamId}`, live, stream));
        return;
      }
      // A replay the viewer asked for is sent whole; the rate cap applies to live comments.
      const frames$ =
        afterSeq === undefined ? live : resumeFrames(live, options.fanout.subscribe(streamId, afterSeq).pipe(toFrames(batchMs)), afterSeq, single);
      const bytes$: Observable<Buffer> = frames$.pipe(map(viewerId === undefined ? (frame) => frame.bytes : withOwnComments(viewerId, single)));
      const subscription = bytes$.subscribe({ next: (bytes) => stream.write(bytes), error: () => stream.end(), complete: () => stream.end() });
      stream.onClose(() => subscription.unsubscribe());
    })
    .add("GET", "/v1/streams/:id/viewers", async (_req, res, params) => {
      const streamId = await knownStream(params.id);
      sendJson(res, 200, { stream_id: streamId, viewers: await options.viewerTotal(streamId) });
    })
    .add("GET", "/v1/streams/:id/comments/poll", async (req, res, params, url) => {
      const afterSeq = optionalSeq(url.searchParams.get("after_seq"), "after_seq");
      const timeoutMs = integerParam(url.searchParams.get("timeout_ms"), "timeout_ms", DEFAULT_POLL_TIMEOUT_MS, 0, MAX_POLL_TIMEOUT_MS);
      const streamId = await knownStream(params.id);
      const gone = new AbortController();
      res.on("close", () => gone.abort());
      const result = await pollOnce(options.fanout.subscribe(streamId, afterSeq), timeoutMs, gone.signal);
      if (gone.signal.aborted && res.destroyed) return;
      const lastSeq = result.comments.at(-1)?.seq ?? afterSeq ?? null;
      sendJson(res, 200, {
        comments: result.comments.map(commentToJson),
        last_seq: lastSeq,
        reset: result.reset ? { after_seq: result.reset.afterSeq, oldest_available_seq: result.reset.oldestAvailableSeq } : null,
      });
    });
}

/**
 * Who is watching, when the viewer says so: a token in `access_token` (EventSource cannot set
 * headers) or in the lc_token cookie. Anonymous viewing stays open; a bad token is refused.
 */
async function identify(req: IncomingMessage, query: URLSearchParams, authenticator: Authenticator | undefined): Promise<string | undefined> {
  const token = query.get("access_token") ?? cookie(req, VIEWER_TOKEN_COOKIE);
  if (!token) return undefined;
  if (!authenticator) throw new LcError("unauthenticated", "this edge does not accept viewer tokens");
  return (await authenticator.verify(token)).userId;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

function parseBatchMs(value: string | null, fallback: number): number {
  return integerParam(value, "batch_ms", fallback, 0, MAX_BATCH_MS);
}

function integerParam(value: string | null, name: string, fallback: number, min: number, max: number): number {
  if (value === null) return fallback;
  const parsed = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= min && parsed <= max)) throw new LcError("invalid_argument", `${name} must be an integer from ${min} to ${max}`);
  return parsed;
}

function optionalSeq(value: string | null | undefined, name: string): number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new LcError("invalid_argument", `${name} must be a seq (a non-negative integer)`);
  return Number(value);
}

/** The resume cursor from the Last-Event-ID header or the last_event_id query parameter. */
function parseLastEventId(req: IncomingMessage, url: URL): number | undefined {
  const header = req.headers["last-event-id"];
  return optionalSeq((Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("last_event_id"), "Last-Event-ID");
}
