import { commentToJson } from "../core/comment.js";
import { LcError } from "../core/errors.js";
import { sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import { streamIdFromPath } from "../core/stream.js";
import type { Playback } from "./playback.js";

/** Adds `GET /v1/streams/{id}/comments?start_time=&duration=&limit=&pagination_token=`. */
export function archiveRoutes(router: Router, playback: Playback): Router {
  return router.add("GET", "/v1/streams/:id/comments", async (_req, res, params, url) => {
    const query = url.searchParams;
    const token = query.get("pagination_token");
    const page = await playback.window({
      streamId: streamIdFromPath(params.id),
      startMs: secondsToMs(query.get("start_time"), "start_time"),
      durationMs: secondsToMs(query.get("duration"), "duration"),
      limit: query.has("limit") ? integer(query.get("limit")!, "limit") : 0,
      ...(token ? { paginationToken: token } : {}),
    });
    sendJson(res, 200, { comments: page.comments.map(commentToJson), next_pagination_token: page.nextPaginationToken });
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
