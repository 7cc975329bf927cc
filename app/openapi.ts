import {
  MAX_PAGE_LIMIT,
  MAX_PEAKS,
  MAX_REPLAY_RATE,
  MAX_START_MS,
  MAX_WINDOW_MS,
  TIMELINE_BUCKET_SECONDS,
  TIMELINE_TARGET_BUCKETS,
} from "../archive/defaults.js";
import type { WireComment, WireHeldComment, WireStream, WireStreamRank } from "../client/shared/wire-types.js";
import { MAX_DELAY_S, STREAM_ID_PATTERN } from "../core/stream.js";
import { MAX_BLOCKED_TERMS, MAX_BLOCKED_TERM_LENGTH, MAX_MODERATORS } from "../ingest/moderation.js";
import { MAX_HELD_LISTED } from "../ports/moderation-store/index.js";
import { DEFAULT_HISTORY, MAX_HISTORY, MAX_POLL_TIMEOUT_MS, MAX_VIEWER_MAX_RATE } from "../edge/defaults.js";
import { MAX_BAN_REASON_LENGTH, MAX_BAN_S, MAX_SLOW_MODE_S } from "../ingest/defaults.js";

/**
 * The OpenAPI 3.1 description of the HTTP API, served at /openapi.json by every role. Each
 * operation says which role serves it (`x-livecomments-role`; the one-process mode serves all).
 * test/openapi.test.ts provokes every status listed here against a running server and checks
 * that every route the server has is listed.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ "application/json": { schema } });

/**
 * The schemas of the API's JSON shapes, keyed by the fields of the types the server builds and
 * the SDK reads (client/shared/wire-types.ts): a field added there and not here fails to compile.
 */
const COMMENT_PROPERTIES = {
  comment_id: { type: "string" },
  stream_id: { type: "string" },
  user_id: { type: "string" },
  username: { type: "string" },
  text: { type: "string" },
  server_ts: { type: "integer" },
  offset_ms: { type: "integer" },
  seq: { type: "integer" },
} satisfies Record<keyof WireComment, Json>;
const STREAM_PROPERTIES = {
  stream_id: { type: "string" },
  title: { type: "string" },
  started_at: { type: "integer" },
  ended_at: { type: ["integer", "null"] },
  pinned: { oneOf: [{ type: "null" }, ref("Comment")] },
  slow_mode_s: { type: "integer" },
  revision: { type: "integer", description: "When replays last changed (a deletion), ms since the epoch; 0: never" },
  owner_id: { type: ["string", "null"], description: "The user who owns the stream and names its moderators" },
  members_only: { type: "boolean", description: 'Posting needs the token\'s memberships claim to hold the stream id or "*" (else 403 members_only)' },
  unique_chat: { type: "boolean", description: "The same text within 30 s of an accepted one is refused with 409 duplicate_text" },
  delay_s: { type: "integer", minimum: 0, maximum: MAX_DELAY_S, description: "Viewers who are not moderators get each comment this much later" },
} satisfies Record<keyof Omit<WireStream, "comment_count" | "caller_rank">, Json>;
const RANKS: readonly WireStreamRank[] = ["admin", "owner", "moderator", "viewer"];
const HELD_PROPERTIES = {
  comment: ref("Comment"),
  reason: { type: "string", description: "blocked_term, review_unavailable, or the review hook's reason" },
  held_at: { type: "integer" },
} satisfies Record<keyof WireHeldComment, Json>;

/** An error answer, with the codes this status carries on this route. */
const error = (description: string, codes: string[]): Json => ({
  description: `${description} (code ${codes.map((code) => `\`${code}\``).join(", ")})`,
  content: json({ allOf: [ref("Error")], example: { error: { code: codes[0]!, message: "..." } } }),
});
/** What any route may answer besides the listed statuses: an engine outage (503), and so on. */
const otherErrors: Json = {
  description:
    "Any other failure, in the same shape: 503 `unavailable`/`log_unavailable`/`overloaded` while an engine or this process is unavailable (with Retry-After), 408 `request_timeout` for a request sent too slowly, 500 `internal`.",
  content: json(ref("Error")),
};
const streamIdParam: Json = {
  name: "stream_id",
  in: "path",
  required: true,
  schema: { type: "string", pattern: STREAM_ID_PATTERN.source },
};
const bearer: Json = [{ bearer: [] }];
const unauthenticated = error("No token, or a token that is invalid or expired", ["unauthenticated"]);
/** What every moderation route answers to a caller who may not moderate, or for an unknown stream. */
const moderatorErrors: Record<string, Json> = {
  "401": unauthenticated,
  "403": error("The caller is not the stream's owner or moderator and lacks scope comments:moderate (or streams:admin)", ["forbidden"]),
  "404": error("No such stream", ["stream_not_found"]),
};
/** What the owner's routes answer to anyone else, or for an unknown stream. */
const ownerErrors: Record<string, Json> = {
  "401": unauthenticated,
  "403": error("The caller is not the stream's owner and lacks scope streams:admin", ["forbidden"]),
  "404": error("No such stream", ["stream_not_found"]),
};
const moderatorsAnswer: Json = {
  type: "object",
  required: ["moderators"],
  properties: { owner_id: { type: ["string", "null"] }, moderators: { type: "array", items: { type: "string" } } },
};
const termsAnswer: Json = {
  type: "object",
  required: ["terms"],
  properties: { terms: { type: "array", maxItems: MAX_BLOCKED_TERMS, items: { type: "string", minLength: 1, maxLength: MAX_BLOCKED_TERM_LENGTH } } },
};
const heldCommentParams: Json[] = [streamIdParam, { name: "comment_id", in: "path", required: true, schema: { type: "string" } }];
const userIdParam: Json = { name: "user_id", in: "path", required: true, schema: { type: "string", minLength: 1, maxLength: 128 } };

const operation = (role: string, summary: string, fields: Record<string, Json>): Json => ({
  summary,
  "x-livecomments-role": role,
  ...fields,
  responses: { ...(fields.responses as Record<string, Json>), default: otherErrors },
});

export const OPENAPI_DOCUMENT: Json = {
  openapi: "3.1.0",
  info: {
    title: "Live Comments",
    version: "1",
    description:
      'Post short comments beside a live video, watch them live over Server-Sent Events, replay them in sync afterwards. Every error is `{"error":{"code","message"}}`; a 429 or 503 carries Retry-After. Every response carries `X-Request-Id` (the client\'s, or a new one). Every path answers `OPTIONS` with 204 and `Allow`; to a page from an origin in `LC_CORS_ORIGINS` that is the CORS preflight, and every response carries the CORS headers.',
  },
  servers: [{ url: "http://127.0.0.1:8080", description: "npm start" }],
  paths: {
    "/v1/streams": {
      post: operation("ingest", "Create a stream (scope streams:admin)", {
        security: bearer,
        requestBody: { required: true, content: json(ref("CreateStream")) },
        responses: {
          "201": { description: "Created", headers: { location: { schema: { type: "string" } } }, content: json(ref("Stream")) },
          "400": error("Bad body or stream id", ["invalid_stream_id", "invalid_argument", "invalid_json"]),
          "401": unauthenticated,
          "403": error("The token lacks scope streams:admin", ["permission_denied"]),
          "409": error("A stream with this id exists", ["stream_exists"]),
          "413": error("Body larger than LC_MAX_BODY_BYTES", ["payload_too_large"]),
          "415": error("Body not application/json", ["unsupported_media_type"]),
        },
      }),
    },
    "/v1/streams/{stream_id}": {
      get: operation(
        "archive",
        "A stream, its pin, modes and revision, and its number of comments (deleted ones never counted); with a token, the caller's rank on it",
        {
          parameters: [streamIdParam],
          responses: {
            "200": { description: "The stream", content: json(ref("StreamSummary")) },
            "401": error("A token was sent and is invalid or expired", ["unauthenticated"]),
            "404": error("No such stream", ["stream_not_found"]),
          },
        },
      ),
      patch: operation(
        "ingest",
        "Set the stream's modes (its moderators): slow mode (429 slow_mode), members only (403 members_only), unique chat (409 duplicate_text), delay; owners and moderators are exempt from all but the delay. Fields left out stay as they are; nothing is applied unless all are valid",
        {
          security: bearer,
          parameters: [streamIdParam],
          requestBody: {
            required: true,
            content: json({
              type: "object",
              properties: {
                slow_mode_s: { type: "integer", minimum: 0, maximum: MAX_SLOW_MODE_S },
                members_only: { type: "boolean" },
                unique_chat: { type: "boolean" },
                delay_s: { type: "integer", minimum: 0, maximum: MAX_DELAY_S },
              },
            }),
          },
          responses: {
            "200": { description: "The stream", content: json(ref("Stream")) },
            "400": error("A field out of range or of the wrong type, named in the message", ["invalid_argument", "invalid_json"]),
            ...moderatorErrors,
          },
        },
      ),
    },
    "/v1/streams/{stream_id}/held": {
      get: operation("ingest", "The comments held for review (the stream's moderators), oldest first; unreviewed after LC_HELD_TTL_S they count as denied", {
        security: bearer,
        parameters: [streamIdParam],
        responses: {
          "200": {
            description: "Held comments",
            content: json({
              type: "object",
              required: ["held"],
              properties: { held: { type: "array", maxItems: MAX_HELD_LISTED, items: ref("HeldComment") } },
            }),
          },
          ...moderatorErrors,
        },
      }),
    },
    "/v1/streams/{stream_id}/held/subscribe": {
      get: operation(
        "edge",
        "The held queue live (the stream's moderators), as Server-Sent Events: `held_comment` (a HeldComment) when a comment is held, `held_resolved` ({comment_id, outcome: approved|denied|expired, seq}) when it leaves the queue. Events from the moment it opens: open it, then list the queue",
        {
          parameters: [
            streamIdParam,
            {
              name: "access_token",
              in: "query",
              schema: { type: "string" },
              description: "The moderator's token, for EventSource (or the Authorization header, or the lc_token cookie)",
            },
          ],
          responses: {
            "200": { description: "The event stream", content: { "text/event-stream": { schema: { type: "string" } } } },
            ...moderatorErrors,
          },
        },
      ),
    },
    "/v1/streams/{stream_id}/held/{comment_id}/approve": {
      post: operation("ingest", "Publish a held comment (the stream's moderators): it gets its seq and goes live now; replays place it when it was posted", {
        security: bearer,
        parameters: heldCommentParams,
        responses: {
          "200": { description: "The published comment", content: json(ref("Comment")) },
          ...moderatorErrors,
          "404": error("No such stream, or no such held comment waiting (resolved or expired)", ["stream_not_found", "held_not_found"]),
        },
      }),
    },
    "/v1/streams/{stream_id}/held/{comment_id}/deny": {
      post: operation("ingest", "Drop a held comment for good (the stream's moderators)", {
        security: bearer,
        parameters: heldCommentParams,
        responses: {
          "204": { description: "Denied" },
          ...moderatorErrors,
          "404": error("No such stream, or no such held comment waiting (resolved or expired)", ["stream_not_found", "held_not_found"]),
        },
      }),
    },
    "/v1/streams/{stream_id}/blocked_terms": {
      get: operation("ingest", "The stream's blocked terms (its moderators)", {
        security: bearer,
        parameters: [streamIdParam],
        responses: { "200": { description: "The terms", content: json(termsAnswer) }, ...moderatorErrors },
      }),
      put: operation(
        "ingest",
        "Replace the stream's blocked terms (its moderators): a comment holding one (whole words, case-insensitive, after NFKC, accents and width folded) is held with reason blocked_term, without calling the review hook",
        {
          security: bearer,
          parameters: [streamIdParam],
          requestBody: { required: true, content: json(termsAnswer) },
          responses: {
            "200": { description: "The terms now", content: json(termsAnswer) },
            "400": error("Too many terms, or one empty, too long or with control characters", ["invalid_argument", "invalid_json"]),
            ...moderatorErrors,
          },
        },
      ),
    },
    "/v1/streams/{stream_id}/moderators": {
      get: operation("ingest", "The stream's owner and moderators (the owner, or scope streams:admin)", {
        security: bearer,
        parameters: [streamIdParam],
        responses: { "200": { description: "The moderators", content: json(moderatorsAnswer) }, ...ownerErrors },
      }),
    },
    "/v1/streams/{stream_id}/moderators/{user_id}": {
      put: operation(
        "ingest",
        "Name a moderator of the stream (the owner, or scope streams:admin): on this stream they may do all scope comments:moderate allows",
        {
          security: bearer,
          parameters: [streamIdParam, userIdParam],
          responses: {
            "200": { description: "The moderators now", content: json(moderatorsAnswer) },
            "400": error(`Not a user id, or the stream has ${MAX_MODERATORS} moderators`, ["invalid_argument"]),
            ...ownerErrors,
          },
        },
      ),
      delete: operation("ingest", "Remove a moderator (the owner, or scope streams:admin)", {
        security: bearer,
        parameters: [streamIdParam, userIdParam],
        responses: { "204": { description: "Removed (or was none)" }, ...ownerErrors },
      }),
    },
    "/v1/streams/{stream_id}/comments/{comment_id}": {
      delete: operation(
        "ingest",
        "Delete a comment for good (scope comments:moderate): live viewers get delete_comment; it leaves history, resumes, replays and comment_count",
        {
          security: bearer,
          parameters: [streamIdParam, { name: "comment_id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": {
              description: "Deleted; a repeat answers the same",
              content: json({
                type: "object",
                required: ["comment_id", "deleted_at"],
                properties: { comment_id: { type: "string" }, deleted_at: { type: "integer" } },
              }),
            },
            ...moderatorErrors,
            "404": error("No such stream or comment", ["stream_not_found", "comment_not_found"]),
          },
        },
      ),
    },
    "/v1/streams/{stream_id}/bans/{user_id}": {
      put: operation("ingest", "Ban a user from posting to the stream (scope comments:moderate), for duration_s or for good", {
        security: bearer,
        parameters: [streamIdParam, userIdParam],
        requestBody: {
          content: json({
            type: "object",
            properties: { duration_s: { type: "integer", minimum: 1, maximum: MAX_BAN_S }, reason: { type: "string", maxLength: MAX_BAN_REASON_LENGTH } },
          }),
        },
        responses: {
          "200": {
            description: "Banned: the user's posts are refused with 403 user_banned",
            content: json({
              type: "object",
              required: ["user_id", "until"],
              properties: { user_id: { type: "string" }, until: { type: ["integer", "null"] } },
            }),
          },
          "400": error("Bad duration_s or reason", ["invalid_argument", "invalid_json"]),
          ...moderatorErrors,
        },
      }),
      delete: operation("ingest", "Lift a ban (scope comments:moderate)", {
        security: bearer,
        parameters: [streamIdParam, userIdParam],
        responses: { "204": { description: "Lifted (or there was none)" }, ...moderatorErrors },
      }),
    },
    "/v1/streams/{stream_id}/pin": {
      put: operation("ingest", "Pin a comment (scope comments:moderate): live viewers get pinned_comment", {
        security: bearer,
        parameters: [streamIdParam],
        requestBody: { required: true, content: json({ type: "object", required: ["comment_id"], properties: { comment_id: { type: "string" } } }) },
        responses: {
          "200": { description: "Pinned; the stream with its pin", content: json(ref("Stream")) },
          "400": error("No comment_id", ["invalid_argument", "invalid_json"]),
          ...moderatorErrors,
          "404": error("No such stream or comment (or it was deleted)", ["stream_not_found", "comment_not_found"]),
        },
      }),
      delete: operation("ingest", "Unpin (scope comments:moderate): live viewers get pinned_comment with null", {
        security: bearer,
        parameters: [streamIdParam],
        responses: { "204": { description: "Unpinned (or nothing was)" }, ...moderatorErrors },
      }),
    },
    "/v1/streams/{stream_id}/end": {
      post: operation("ingest", "End a stream (scope streams:admin); later posts are refused", {
        security: bearer,
        parameters: [streamIdParam],
        responses: {
          "200": { description: "Ended", content: json(ref("Stream")) },
          "401": unauthenticated,
          "403": error("The token lacks scope streams:admin", ["permission_denied"]),
          "404": error("No such stream", ["stream_not_found"]),
        },
      }),
    },
    "/v1/streams/{stream_id}/comments": {
      post: operation("ingest", "Post a comment; answered once it is durable", {
        security: bearer,
        parameters: [
          streamIdParam,
          {
            name: "Idempotency-Key",
            in: "header",
            schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$" },
            description: "A retry with the same key gets the first answer, never a second comment.",
          },
          {
            name: "X-Request-Id",
            in: "header",
            schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
            description: "Kept with the comment in every role's logs.",
          },
        ],
        requestBody: { required: true, content: json(ref("PostComment")) },
        responses: {
          "202": {
            description:
              'Durable: published (`"status":"published"`, with its seq), or held for review by a blocked term or the review hook (`"status":"held"`, no seq until a moderator approves it)',
            content: json(ref("Accepted")),
          },
          "400": error("Invalid text, client_ts, meta or Idempotency-Key", ["invalid_argument", "invalid_json"]),
          "401": unauthenticated,
          "403": error(
            "The user is banned from this stream, the stream is for members and the token names none, or the review hook rejected the comment (the message is its reason)",
            ["user_banned", "members_only", "comment_rejected"],
          ),
          "404": error("No such stream", ["stream_not_found"]),
          "409": error("The stream has ended, unique chat saw the same text within 30 s, or the Idempotency-Key is in use by a request still running", [
            "stream_ended",
            "duplicate_text",
            "idempotency_key_in_use",
          ]),
          "413": error("Body larger than LC_MAX_BODY_BYTES", ["payload_too_large"]),
          "415": error("Body not application/json", ["unsupported_media_type"]),
          "429": error("Too many comments from this user, address or to this stream, or sooner than the stream's slow mode allows", [
            "rate_limited",
            "slow_mode",
          ]),
        },
      }),
      get: operation("archive", "Replay: the comments whose offset_ms is in [start_time, start_time + duration)", {
        parameters: [
          streamIdParam,
          {
            name: "start_time",
            in: "query",
            required: true,
            schema: { type: "number", minimum: 0, maximum: MAX_START_MS / 1000 },
            description: "Seconds from the stream's start.",
          },
          {
            name: "duration",
            in: "query",
            required: true,
            schema: { type: "number", exclusiveMinimum: 0, maximum: MAX_WINDOW_MS / 1000 },
            description: "Seconds.",
          },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT } },
          { name: "pagination_token", in: "query", schema: { type: "string" } },
          {
            name: "max_rate",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: MAX_REPLAY_RATE },
            description: "At most this many comments per second of video, an evenly spread sample of each second; pages then hold whole seconds.",
          },
          {
            name: "rev",
            in: "query",
            schema: { type: "integer", minimum: 0 },
            description: "The stream's revision (GET /v1/streams/{id}): a final page that names the current one is cached for good; without it, for 60 s.",
          },
          { name: "If-None-Match", in: "header", schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description: "One page, ordered by offset_ms then seq; cacheable for good once the stream has ended and settled",
            headers: { etag: { schema: { type: "string" } } },
            content: json(ref("WindowPage")),
          },
          "304": { description: "The client's copy (If-None-Match) is current" },
          "400": error("Bad window, limit, max_rate, rev or pagination token", ["invalid_argument", "invalid_pagination_token"]),
          "404": error("No such stream", ["stream_not_found"]),
        },
      }),
    },
    "/v1/streams/{stream_id}/timeline": {
      get: operation("archive", "Where the crowd reacted: comment counts per bucket of video time, and the peaks", {
        parameters: [
          streamIdParam,
          {
            name: "bucket_s",
            in: "query",
            schema: { type: "integer", enum: [...TIMELINE_BUCKET_SECONDS] },
            description: `Bucket width in seconds; without it, the width that gives about ${TIMELINE_TARGET_BUCKETS} buckets over the stream's length.`,
          },
          {
            name: "rev",
            in: "query",
            schema: { type: "integer", minimum: 0 },
            description: "The stream's revision: a final timeline that names the current one is cached for good; without it, for 60 s.",
          },
          { name: "If-None-Match", in: "header", schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description: "Deleted and held comments never count; an approved comment counts at the moment it was posted. Live: cached 2 s with an ETag",
            headers: { etag: { schema: { type: "string" } } },
            content: json(ref("Timeline")),
          },
          "304": { description: "The client's copy (If-None-Match) is current" },
          "400": error("bucket_s not one of the widths, too narrow for the stream's length, or a bad rev", ["invalid_argument"]),
          "404": error("No such stream", ["stream_not_found"]),
        },
      }),
    },
    "/v1/streams/{stream_id}/comments/subscribe": {
      get: operation("edge", "Watch live: Server-Sent Events", {
        parameters: [
          streamIdParam,
          {
            name: "batch_ms",
            in: "query",
            schema: { type: "integer", minimum: 0, maximum: 1000 },
            description: "Batch window; 0 sends one new_comment event per comment.",
          },
          {
            name: "max_rate",
            in: "query",
            schema: { type: "integer", minimum: 1, maximum: MAX_VIEWER_MAX_RATE },
            description: "Most comments per second shown; the rest are counted in omitted events.",
          },
          {
            name: "Last-Event-ID",
            in: "header",
            schema: { type: "string", pattern: "^\\d{1,15}$" },
            description: "Resume after this seq (also as last_event_id).",
          },
          { name: "last_event_id", in: "query", schema: { type: "string", pattern: "^\\d{1,15}$" } },
          {
            name: "history",
            in: "query",
            schema: { type: "integer", minimum: 0, maximum: MAX_HISTORY, default: DEFAULT_HISTORY },
            description:
              "Without a cursor: how many of the most recent comments come first, in one comments event (new_comment events with batch_ms=0) whose id is the last one's seq; deleted comments never. The current pin follows as pinned_comment, also with history=0.",
          },
          {
            name: "access_token",
            in: "query",
            schema: { type: "string" },
            description: "Optional viewer token (or cookie lc_token): the viewer then always sees its own comments.",
          },
        ],
        responses: {
          "200": {
            description:
              "Events comments, new_comment, omitted, viewers, reset, delete_comment ({comment_id}), pinned_comment (the comment, or null), slow_mode ({slow_mode_s}), stream_ended ({stream_id, ended_at}); heartbeats on quiet streams",
            content: { "text/event-stream": { schema: { type: "string" } } },
          },
          "400": error("Bad batch_ms, max_rate, history or Last-Event-ID", ["invalid_argument"]),
          "401": unauthenticated,
          "404": error("No such stream", ["stream_not_found"]),
          "429": error("Too many viewers from this address", ["too_many_connections"]),
        },
      }),
    },
    "/v1/streams/{stream_id}/comments/poll": {
      get: operation("edge", "Long polling, for clients without EventSource", {
        parameters: [
          streamIdParam,
          { name: "after_seq", in: "query", schema: { type: "integer", minimum: 0 } },
          { name: "timeout_ms", in: "query", schema: { type: "integer", minimum: 0, maximum: MAX_POLL_TIMEOUT_MS } },
        ],
        responses: {
          "200": { description: "The comments and the changes of the stream after after_seq, or none at the timeout", content: json(ref("PollResult")) },
          "400": error("Bad after_seq or timeout_ms", ["invalid_argument"]),
          "404": error("No such stream", ["stream_not_found"]),
        },
      }),
    },
    "/v1/streams/{stream_id}/viewers": {
      get: operation("edge", "Viewers of a stream across all edges", {
        parameters: [streamIdParam],
        responses: {
          "200": {
            description: "The count",
            content: json({ type: "object", required: ["stream_id", "viewers"], properties: { stream_id: { type: "string" }, viewers: { type: "integer" } } }),
          },
          "404": error("No such stream", ["stream_not_found"]),
        },
      }),
    },
    "/v1/archive/status": {
      get: operation("archive", "How far the archive is behind the log", {
        responses: {
          "200": {
            description: "Lag and progress",
            content: json({
              type: "object",
              required: ["lag_comments", "lag_seconds", "written"],
              properties: { lag_comments: { type: ["integer", "null"] }, lag_seconds: { type: ["number", "null"] }, written: { type: "integer" } },
            }),
          },
        },
      }),
    },
    "/demo/guest-token": {
      get: operation("all", "A guest token for the demo page (only with the development secret)", {
        parameters: [{ name: "name", in: "query", schema: { type: "string", maxLength: 40 } }],
        responses: {
          "200": {
            description: "A token valid 12 h",
            content: json({ type: "object", required: ["token", "user_id"], properties: { token: { type: "string" }, user_id: { type: "string" } } }),
          },
          "400": error("Name too long or with control characters", ["invalid_argument"]),
        },
      }),
    },
    "/healthz": {
      get: operation("any", "Liveness", {
        responses: { "200": { description: "The process runs", content: json({ type: "object", properties: { status: { const: "ok" } } }) } },
      }),
    },
    "/readyz": {
      get: operation("any", "Readiness: every engine and peer this role needs answers", {
        responses: {
          "200": { description: "Ready", content: json(ref("Readiness")) },
          "503": { description: "An engine does not answer, or the process is shutting down", content: json(ref("Readiness")) },
        },
      }),
    },
    "/metrics": {
      get: operation("any", "Prometheus metrics", {
        responses: { "200": { description: "Text exposition format 0.0.4", content: { "text/plain": { schema: { type: "string" } } } } },
      }),
    },
    "/openapi.json": { get: operation("any", "This document", { responses: { "200": { description: "OpenAPI 3.1", content: json({ type: "object" }) } } }) },
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT (HS256 with LC_JWT_SECRET, or RS256/ES256 from LC_JWKS_URL)" } },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } },
      },
      CreateStream: {
        type: "object",
        properties: {
          stream_id: { type: "string", pattern: STREAM_ID_PATTERN.source },
          title: { type: "string" },
          owner_id: { type: "string", description: "The stream's owner; default: the caller (the token's sub)" },
        },
      },
      Stream: { type: "object", required: Object.keys(STREAM_PROPERTIES), properties: STREAM_PROPERTIES },
      StreamSummary: {
        allOf: [
          ref("Stream"),
          {
            type: "object",
            required: ["comment_count"],
            properties: {
              comment_count: { type: "integer" },
              caller_rank: { enum: [...RANKS], description: "Only when a token was sent: what the caller is on this stream" },
            },
          },
        ],
      },
      HeldComment: { type: "object", required: Object.keys(HELD_PROPERTIES), properties: HELD_PROPERTIES },
      PostComment: {
        type: "object",
        required: ["text"],
        properties: { text: { type: "string", minLength: 1 }, client_ts: { type: "integer" }, meta: { type: "object" } },
      },
      Accepted: {
        type: "object",
        required: ["comment_id", "status"],
        properties: {
          comment_id: { type: "string", format: "uuid" },
          status: { enum: ["published", "held"] },
          seq: { type: "integer", description: "Published only" },
          server_ts: { type: "integer", description: "Published only" },
          offset_ms: { type: "integer", description: "Published only" },
        },
      },
      Comment: { type: "object", required: Object.keys(COMMENT_PROPERTIES), properties: COMMENT_PROPERTIES },
      WindowPage: {
        type: "object",
        required: ["comments", "next_pagination_token"],
        properties: { comments: { type: "array", items: ref("Comment") }, next_pagination_token: { type: ["string", "null"] } },
      },
      Timeline: {
        type: "object",
        required: ["bucket_s", "counts", "peaks"],
        properties: {
          bucket_s: { type: "integer", enum: [...TIMELINE_BUCKET_SECONDS] },
          counts: {
            type: "array",
            items: { type: "integer", minimum: 0 },
            description: "counts[i]: comments in [i*bucket_s, (i+1)*bucket_s) seconds of the video",
          },
          peaks: {
            type: "array",
            maxItems: MAX_PEAKS,
            description: "The largest rise above the neighbourhood first (docs/replay.md gives the rule); offset_ms is the start of the peak's bucket",
            items: { type: "object", required: ["offset_ms", "count"], properties: { offset_ms: { type: "integer" }, count: { type: "integer" } } },
          },
        },
      },
      PollResult: {
        type: "object",
        required: ["comments", "events", "last_seq", "reset"],
        properties: {
          comments: { type: "array", items: ref("Comment") },
          events: {
            type: "array",
            description: "The stream's changes among them, as the SSE events of the same names",
            items: {
              type: "object",
              required: ["event", "data", "seq"],
              properties: { event: { enum: ["delete_comment", "pinned_comment", "slow_mode", "stream_ended"] }, data: {}, seq: { type: "integer" } },
            },
          },
          last_seq: { type: ["integer", "null"] },
          reset: {
            oneOf: [
              { type: "null" },
              {
                type: "object",
                required: ["after_seq", "oldest_available_seq"],
                properties: { after_seq: { type: "integer" }, oldest_available_seq: { type: "integer" } },
              },
            ],
          },
        },
      },
      Readiness: {
        type: "object",
        required: ["status", "checks"],
        properties: { status: { enum: ["ready", "not_ready", "shutting_down"] }, checks: { type: "object", additionalProperties: { type: "string" } } },
      },
    },
  },
};

/** The document as served, serialised once. */
export const OPENAPI_JSON = JSON.stringify(OPENAPI_DOCUMENT);
