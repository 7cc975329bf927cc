import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Observable } from "rxjs";
import { clientAddressOf } from "../core/http/client-address.js";
import { headerLines } from "../core/http/raw-request.js";
import { filter, map } from "rxjs";
import { commentToJson } from "../core/comment.js";
import { viewerEventOf } from "../core/viewer-event.js";
import { LcError } from "../core/errors.js";
import { headerValue, sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import type { Stream } from "../core/stream.js";
import { streamIdFromPath } from "../core/stream.js";
import type { FanoutSource, RelayEvent } from "../ports/fanout/index.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import type { Authenticator, Principal } from "../core/auth/authenticator.js";
import { bearerToken } from "../core/auth/authenticator.js";
import { assertModerates, moderatesStream } from "../core/stream-rank.js";
import { delayedEvents } from "./delayed-events.js";
import { reviewEventOf } from "../core/review-event.js";
import type { Frame } from "./comment-frames.js";
import { newerPart, toFrames, withOwnComments } from "./comment-frames.js";
import { formatComments, formatViewerEvent } from "./sse-format.js";
import type { StreamStart } from "./stream-feeds.js";
import type { SseSocket } from "./event-stream.js";
import { SSE_HEAD_FIELDS, openEventStream, socketSse } from "./event-stream.js";
import type { RawRoutes } from "../core/http/raw-routes.js";
import { ViewerGroups } from "./viewer-groups.js";
import { pollOnce } from "./long-poll.js";
import { resumeFrames } from "./resume-frames.js";
import type { StreamFeeds } from "./stream-feeds.js";
import type { Viewers } from "./viewers.js";
import { dependency } from "../core/dependency.js";
import {
  DEFAULT_BATCH_MS,
  MAX_BATCH_MS,
  DEFAULT_RETRY_MS,
  DEFAULT_MAX_VIEWER_BUFFER_BYTES,
  DEFAULT_VIEWER_MAX_RATE,
  MAX_VIEWER_MAX_RATE,
  DEFAULT_POLL_TIMEOUT_MS,
  MAX_POLL_TIMEOUT_MS,
  DEFAULT_HISTORY,
  MAX_HISTORY,
} from "./defaults.js";

/** The cookie an identified viewer may carry instead of the access_token parameter. */
export const VIEWER_TOKEN_COOKIE = "lc_token";

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
  /** Told of each frame written and to how many viewers. */
  readonly onDelivered?: (frame: Frame, viewers: number) => void;
  /** Told when a viewer is cut off for not reading. */
  readonly onSlowViewerDropped?: () => void;
}

/**
 * Adds `GET /v1/streams/{id}/comments/subscribe` (SSE), its fallback for clients without
 * EventSource, `GET /v1/streams/{id}/comments/poll?after_seq=&timeout_ms=` (long polling, same
 * resume semantics), `GET /v1/streams/{id}/viewers`, and for the stream's moderators
 * `GET /v1/streams/{id}/held/subscribe` (SSE: `held_comment`, `held_resolved` from the moment
 * it opens; list the queue after it opened to miss nothing).
 */
export function edgeRoutes(router: Router, options: EdgeRoutesOptions, rawRoutes?: RawRoutes): Router {
  const { onDelivered } = options;
  const limits = {
    retryMs: options.retryMs ?? DEFAULT_RETRY_MS,
    maxBufferedBytes: options.maxViewerBufferBytes ?? DEFAULT_MAX_VIEWER_BUFFER_BYTES,
    ...(options.onSlowViewerDropped ? { onCutOff: options.onSlowViewerDropped } : {}),
  };
  const groups = new ViewerGroups(onDelivered);
  const knownStream = async (id: string | undefined): Promise<Stream> => {
    const streamId = streamIdFromPath(id);
    const stream = await dependency("stream registry", options.streams.get(streamId));
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    return stream;
  };

  /** The subscribe endpoint, for requests parsed by node:http or read raw off the socket. */
  const subscribe = async (request: SubscribeRequest, sse: SseSocket): Promise<void> => {
    const { query } = request;
    const batchMs = parseBatchMs(query.get("batch_ms"), options.defaultBatchMs ?? DEFAULT_BATCH_MS);
    const maxRate = integerParam(query.get("max_rate"), "max_rate", options.defaultMaxRate ?? DEFAULT_VIEWER_MAX_RATE, 1, MAX_VIEWER_MAX_RATE);
    const afterSeq = optionalSeq(request.lastEventId ?? query.get("last_event_id"), "Last-Event-ID");
    const history = integerParam(query.get("history"), "history", DEFAULT_HISTORY, 0, MAX_HISTORY);
    const viewer = await identify(query.get("access_token") ?? cookieValue(request.cookie, VIEWER_TOKEN_COOKIE), options.authenticator);
    const viewerId = viewer?.userId;
    const known = await knownStream(request.streamId);
    const { streamId } = known;
    const single = batchMs === 0;
    const delayMs = viewerDelayMs(known, viewer);
    const live = options.feeds.frames(streamId, batchMs, maxRate, delayMs);
    // A viewer with a cursor gets everything after it anyway; one without is answered once the
    // stream's upstream is live with the recent comments, so it gets them and every comment
    // accepted after its answer.
    if (afterSeq === undefined) await options.feeds.whenLive(streamId);
    const stream = openEventStream(sse, streamId, options.viewers, limits);
    let told: { seq: number; single: boolean } | undefined;
    if (afterSeq === undefined) {
      const start = options.feeds.start(streamId, history, delayMs);
      const text = startText(start, known, single);
      if (text) stream.write(Buffer.from(text));
      told = { seq: start.throughSeq, single };
    }
    if (afterSeq === undefined && viewerId === undefined) {
      // The common case, kept cheapest: a live anonymous viewer joins its feed's group.
      stream.onClose(groups.join(`${batchMs}:${maxRate}:${delayMs}:${streamId}`, live, stream, told));
      return;
    }
    // On a delayed stream the author sees its own comments at once, without an id (the resume
    // cursor stays with the shared frames, which bring them again in their place; the SDK shows
    // a comment once, by its id).
    if (delayMs > 0 && viewerId !== undefined) {
      const own = options.feeds.commentsOf(streamId, viewerId).subscribe((comment) => stream.write(Buffer.from(formatComments([comment], single, false))));
      stream.onClose(() => own.unsubscribe());
    }
    // A replay the viewer asked for is sent whole; the rate cap applies to live comments.
    const frames$ =
      afterSeq === undefined
        ? live.pipe(
            map((frame) => newerPart(frame, told!.seq, single)),
            filter((frame): frame is Frame => frame !== undefined),
          )
        : resumeFrames(live, delayed(options.fanout.subscribe(streamId, afterSeq), delayMs).pipe(toFrames(batchMs)), afterSeq, single);
    const bytesOf = viewerId === undefined ? (frame: Frame) => frame.bytes : withOwnComments(viewerId, single);
    const bytes$: Observable<Buffer> = frames$.pipe(
      map((frame) => {
        onDelivered?.(frame, 1);
        return bytesOf(frame);
      }),
    );
    const subscription = bytes$.subscribe({ next: (bytes) => stream.write(bytes), error: () => stream.end(), complete: () => stream.end() });
    stream.onClose(() => subscription.unsubscribe());
  };
  rawRoutes?.add(SUBSCRIBE_PATH, async (socket, request) => {
    const streamId = SUBSCRIBE_PATH.exec(request.url.pathname)![1]!;
    await subscribe(
      {
        streamId: safeDecode(streamId),
        query: request.url.searchParams,
        lastEventId: request.headers.get("last-event-id"),
        cookie: request.headers.get("cookie"),
      },
      socketSse(socket, request.clientAddress, `${RAW_SSE_HEAD_FIELDS}${request.responseHeaderLines}\r\n`),
    );
  });

  return router
    .add("GET", "/v1/streams/:id/comments/subscribe", (req, res, params, url) =>
      subscribe(
        {
          streamId: params.id,
          query: url.searchParams,
          lastEventId: headerValue(req, "last-event-id"),
          cookie: headerValue(req, "cookie"),
        },
        responseSse(req, res),
      ),
    )
    .add("GET", "/v1/streams/:id/held/subscribe", async (req, res, params, url) => {
      // Moderators' browsers use EventSource too: the token may come as a header, the
      // access_token parameter or the cookie.
      const header = req.headers.authorization;
      const token =
        header !== undefined ? bearerToken(header) : (url.searchParams.get("access_token") ?? cookieValue(headerValue(req, "cookie"), VIEWER_TOKEN_COOKIE));
      if (!token) throw new LcError("unauthenticated", "the held comments need the token of one of the stream's moderators");
      if (!options.authenticator) throw new LcError("unauthenticated", "this edge does not accept tokens");
      const principal = await options.authenticator.verify(token);
      const known = await knownStream(params.id);
      assertModerates(known, principal);
      const stream = openEventStream(responseSse(req, res), known.streamId, options.viewers, limits);
      const subscription = options.feeds.reviewEvents(known.streamId).subscribe({
        next: (event) => stream.write(Buffer.from(formatViewerEvent(reviewEventOf(event)))),
        error: () => stream.end(),
        complete: () => stream.end(),
      });
      stream.onClose(() => subscription.unsubscribe());
    })
    .add("GET", "/v1/streams/:id/viewers", async (_req, res, params) => {
      const { streamId } = await knownStream(params.id);
      sendJson(res, 200, { stream_id: streamId, viewers: await options.viewerTotal(streamId) });
    })
    .add("GET", "/v1/streams/:id/comments/poll", async (req, res, params, url) => {
      const afterSeq = optionalSeq(url.searchParams.get("after_seq"), "after_seq");
      const timeoutMs = integerParam(url.searchParams.get("timeout_ms"), "timeout_ms", DEFAULT_POLL_TIMEOUT_MS, 0, MAX_POLL_TIMEOUT_MS);
      const known = await knownStream(params.id);
      const { streamId } = known;
      const gone = new AbortController();
      res.on("close", () => gone.abort());
      const result = await pollOnce(delayed(options.fanout.subscribe(streamId, afterSeq), viewerDelayMs(known, undefined)), timeoutMs, gone.signal);
      if (gone.signal.aborted && res.destroyed) return;
      const lastSeq = Math.max(result.comments.at(-1)?.seq ?? -1, result.changes.at(-1)?.seq ?? -1);
      sendJson(res, 200, {
        comments: result.comments.map(commentToJson),
        events: result.changes.map((change) => ({ ...viewerEventOf(change), seq: change.seq })),
        last_seq: lastSeq >= 0 ? lastSeq : (afterSeq ?? null),
        reset: result.reset ? { after_seq: result.reset.afterSeq, oldest_available_seq: result.reset.oldestAvailableSeq } : null,
      });
    });
}

/**
 * What a viewer without a cursor is told before live frames: the recent comments (one
 * `comments` event whose id is the last one's seq, or `new_comment` events), then the pin, then
 * the end if the stream is over. The pin and the end come from the upstream when it has seen
 * them, else from the registry; they carry no id, so the resume cursor stays with the comments.
 */
function startText(start: StreamStart, stream: Stream, single: boolean): string {
  let text = start.comments.length > 0 ? formatComments(start.comments, single) : "";
  const pinned = start.pinned !== undefined ? start.pinned : (stream.pinned ?? null);
  if (pinned) text += formatViewerEvent({ event: "pinned_comment", data: commentToJson(pinned) });
  const endedAt = start.endedAt ?? stream.endedAt;
  if (endedAt !== undefined) text += formatViewerEvent({ event: "stream_ended", data: { stream_id: stream.streamId, ended_at: endedAt } });
  return text;
}

/** What the subscribe endpoint reads from a request, whichever server parsed it. */
interface SubscribeRequest {
  /** The stream id from the path, still to be checked. */
  readonly streamId: string | undefined;
  readonly query: URLSearchParams;
  readonly lastEventId: string | undefined;
  readonly cookie: string | undefined;
}

/** The path of the subscribe endpoint, for the raw route. */
const SUBSCRIBE_PATH = /^\/v1\/streams\/([^/]+)\/comments\/subscribe$/;
/** The raw path's response head but for the blank line, which follows the request's own headers (CORS). */
const RAW_SSE_HEAD_FIELDS = `HTTP/1.1 200 OK\r\n${headerLines(SSE_HEAD_FIELDS)}`;

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * Who is watching, when the viewer says so: a token in `access_token` (EventSource cannot set
 * headers) or in the lc_token cookie. Anonymous viewing stays open; a bad token is refused.
 */
async function identify(token: string | null | undefined, authenticator: Authenticator | undefined): Promise<Principal | undefined> {
  if (!token) return undefined;
  if (!authenticator) throw new LcError("unauthenticated", "this edge does not accept viewer tokens");
  return authenticator.verify(token);
}

/** How late a viewer gets the stream's events: its delay, except for its owner and moderators. */
function viewerDelayMs(stream: Stream, viewer: Principal | undefined): number {
  if (!stream.delayS || (viewer && moderatesStream(stream, viewer))) return 0;
  return stream.delayS * 1000;
}

/** Events as a viewer with this delay gets them. */
function delayed(events: Observable<RelayEvent>, delayMs: number): Observable<RelayEvent> {
  return delayMs > 0 ? events.pipe(delayedEvents(delayMs)) : events;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
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

/**
 * An SSE response through node:http (HTTP/1.1: close-delimited, the same bytes as the raw path)
 * or node:http2's compatibility API (an HTTP/2 stream, framed by HTTP/2 itself).
 */
function responseSse(req: IncomingMessage, res: ServerResponse): SseSocket {
  const stream = (res as unknown as { stream?: Duplex }).stream;
  if (req.httpVersionMajor < 2 || !stream) {
    req.socket.setNoDelay(true);
    res.useChunkedEncodingByDefault = false;
  }
  // HTTP/2: what waits is in the stream; HTTP/1.1: in the response, then in the socket.
  const buffered = stream ? () => stream.writableLength : () => res.writableLength + (req.socket?.writableLength ?? 0);
  return {
    clientAddress: clientAddressOf(req),
    get writable() {
      return !res.destroyed && !res.writableEnded && (stream ? !stream.destroyed : !req.socket.destroyed && req.socket.writable);
    },
    get bufferedBytes() {
      return buffered();
    },
    writeHead() {
      res.writeHead(200, SSE_HEAD_FIELDS);
      res.flushHeaders();
    },
    write: (bytes) => void res.write(bytes),
    end: () => void res.end(),
    destroy: () => void (stream ? stream.destroy() : req.socket.destroy()),
    onClose: (callback) => void res.on("close", callback),
  };
}
