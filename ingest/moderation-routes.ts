import type { IncomingMessage, ServerResponse } from "node:http";
import type { Authenticator, Principal } from "../core/auth/authenticator.js";
import { bearerToken } from "../core/auth/authenticator.js";
import { readJsonBody } from "../core/http/read-json-body.js";
import { sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import { streamToJson } from "../core/stream.js";
import type { Moderation } from "./moderation.js";

/** What the moderation routes need. */
export interface ModerationRoutesOptions {
  readonly moderation: Moderation;
  readonly authenticator: Authenticator;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
}

/**
 * Adds the moderation API (scope comments:moderate, implied by streams:admin): deleting and
 * pinning comments, banning users, slow mode.
 */
export function moderationRoutes(router: Router, options: ModerationRoutesOptions): Router {
  const { moderation, authenticator, maxBodyBytes, bodyTimeoutMs } = options;
  const principalOf = (req: IncomingMessage): Promise<Principal> => authenticator.verify(bearerToken(req.headers.authorization));
  const body = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const parsed = await readJsonBody(req, maxBodyBytes, bodyTimeoutMs);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  };
  const noContent = (res: ServerResponse) => res.writeHead(204, { "cache-control": "no-store" }).end();

  return router
    .add("DELETE", "/v1/streams/:id/comments/:comment_id", async (req, res, params) => {
      const deleted = await moderation.deleteComment(await principalOf(req), params.id, params.comment_id!);
      sendJson(res, 200, { comment_id: deleted.commentId, deleted_at: deleted.deletedAt });
    })
    .add("PUT", "/v1/streams/:id/bans/:user_id", async (req, res, params) => {
      const principal = await principalOf(req);
      const { duration_s: durationS, reason } = await body(req);
      const { until } = await moderation.ban(principal, params.id, params.user_id!, durationS, reason);
      sendJson(res, 200, { user_id: params.user_id, until });
    })
    .add("DELETE", "/v1/streams/:id/bans/:user_id", async (req, res, params) => {
      await moderation.unban(await principalOf(req), params.id, params.user_id!);
      noContent(res);
    })
    .add("PATCH", "/v1/streams/:id", async (req, res, params) => {
      const principal = await principalOf(req);
      const request = await body(req);
      sendJson(res, 200, streamToJson(await moderation.setSlowMode(principal, params.id, request.slow_mode_s)));
    })
    .add("PUT", "/v1/streams/:id/pin", async (req, res, params) => {
      const principal = await principalOf(req);
      const request = await body(req);
      sendJson(res, 200, streamToJson(await moderation.pin(principal, params.id, request.comment_id)));
    })
    .add("DELETE", "/v1/streams/:id/pin", async (req, res, params) => {
      await moderation.unpin(await principalOf(req), params.id);
      noContent(res);
    });
}
