import { createHash } from "node:crypto";
import { commentToJson } from "../core/comment.js";
import type { ArchiveStatus } from "./archive-writer.js";
import { LcError } from "../core/errors.js";
import { sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import { streamIdFromPath, streamToJson } from "../core/stream.js";
import type { Authenticator } from "../core/auth/authenticator.js";
import { bearerToken } from "../core/auth/authenticator.js";
import { rankOn } from "../core/stream-rank.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Finality, Playback } from "./playback.js";
import { TIMELINE_BUCKET_SECONDS, UNREVISED_FINAL_MAX_AGE_S } from "./defaults.js";

/**
 * Cache-Control of a page that can never change (final, addressed by the stream's current
 * revision), of a final page addressed without it (a later deletion reaches it within the
 * max-age), and of one that still can change.
 */
export const FINAL_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const UNREVISED_CACHE_CONTROL = `public, max-age=${UNREVISED_FINAL_MAX_AGE_S}`;
export const LIVE_CACHE_CONTROL = "public, max-age=2";

/**
 * Adds `GET /v1/streams/{id}/comments?start_time=&duration=&limit=&pagination_token=&max_rate=&rev=`
 * (with an ETag, 304 for a matching If-None-Match, and caching by whether the page can still
 * change and whether it names the stream's current revision) and
 * `GET /v1/streams/{id}/timeline?bucket_s=&rev=` (cached the same way),
 * `GET /v1/streams/{id}` (the stream with its comment count) and `GET /v1/archive/status`.
 */
export function archiveRoutes(
  router: Router,
  playback: Playback,
  status: () => ArchiveStatus,
  onNotModified: () => void = () => {},
  authenticator?: Authenticator,
): Router {
  router.add("GET", "/v1/streams/:id", async (req, res, params) => {
    // A caller who sends a token is told its own rank on the stream (an invalid token is 401).
    const authorization = req.headers.authorization;
    const caller = authorization !== undefined && authenticator ? await authenticator.verify(bearerToken(authorization)) : undefined;
    const { stream, commentCount } = await playback.summary(streamIdFromPath(params.id));
    const summary = { ...streamToJson(stream), comment_count: commentCount };
    if (!caller) return sendJson(res, 200, summary);
    sendJson(res, 200, { ...summary, caller_rank: rankOn(stream, caller) }, { "cache-control": "private, no-store", vary: "authorization" });
  });
  router.add("GET", "/v1/archive/status", (_req, res) => {
    const { lagComments, lagSeconds, written } = status();
    sendJson(res, 200, { lag_comments: lagComments ?? null, lag_seconds: lagSeconds ?? null, written });
  });
  router.add("GET", "/v1/streams/:id/comments", async (req, res, params, url) => {
    const query = url.searchParams;
    const token = query.get("pagination_token");
    const rev = revisionOf(query);
    const page = await playback.window({
      streamId: streamIdFromPath(params.id),
      startMs: secondsToMs(query.get("start_time"), "start_time"),
      durationMs: secondsToMs(query.get("duration"), "duration"),
      limit: query.has("limit") ? integer(query.get("limit")!, "limit") : 0,
      ...(token ? { paginationToken: token } : {}),
      ...(query.has("max_rate") ? { maxRate: integer(query.get("max_rate")!, "max_rate") } : {}),
    });
    const body = JSON.stringify({ comments: page.comments.map(commentToJson), next_pagination_token: page.nextPaginationToken });
    sendCacheable(req, res, body, page, rev, onNotModified);
  });
  router.add("GET", "/v1/streams/:id/timeline", async (req, res, params, url) => {
    const query = url.searchParams;
    const bucket = query.get("bucket_s");
    if (bucket !== null && !/^\d{1,4}$/.test(bucket)) throw new LcError("invalid_argument", `bucket_s must be one of ${TIMELINE_BUCKET_SECONDS.join(", ")}`);
    const rev = revisionOf(query);
    const timeline = await playback.timeline(streamIdFromPath(params.id), bucket === null ? undefined : Number(bucket));
    const body = JSON.stringify({
      bucket_s: timeline.bucketS,
      counts: timeline.counts,
      peaks: timeline.peaks.map((peak) => ({ offset_ms: peak.offsetMs, count: peak.count })),
    });
    sendCacheable(req, res, body, timeline, rev, onNotModified);
  });
  return router;
}

/** The `rev` a URL names, checked. */
function revisionOf(query: URLSearchParams): string | null {
  const rev = query.get("rev");
  if (rev !== null && !/^\d{1,15}$/.test(rev)) throw new LcError("invalid_argument", "rev must be the stream's revision (an integer)");
  return rev;
}

/**
 * Sends a JSON answer with an ETag (304 for a matching If-None-Match) and caching by whether it
 * can still change and whether its URL names the stream's current revision.
 */
function sendCacheable(req: IncomingMessage, res: ServerResponse, body: string, finality: Finality, rev: string | null, onNotModified: () => void): void {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const cacheControl = !finality.final ? LIVE_CACHE_CONTROL : rev === String(finality.revision) ? FINAL_CACHE_CONTROL : UNREVISED_CACHE_CONTROL;
  const headers = { etag, "cache-control": cacheControl };
  if (matchesEtag(req.headers["if-none-match"], etag)) {
    onNotModified();
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) }).end(body);
}

/** Whether an If-None-Match header names this ETag (weak comparison, as for GET). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header || header.length > 4096) return false;
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag.replace(/^W\//, "") === etag;
  });
}

/** Seconds (decimals allowed, to the millisecond) as integer milliseconds. */
function secondsToMs(value: string | null, name: string): number {
  if (value === null) throw new LcError("invalid_argument", `${name} is required (seconds)`);
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(value)) throw new LcError("invalid_argument", `${name} must be a non-negative number of seconds`);
  return Math.round(Number(value) * 1000);
}

function integer(value: string, name: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new LcError("invalid_argument", `${name} must be a positive integer`);
  return Number(value);
}
