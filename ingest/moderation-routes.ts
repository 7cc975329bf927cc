import type { IncomingMessage, ServerResponse } from "node:http";
import type { Authenticator, Principal } from "../core/auth/authenticator.js";
import { bearerToken } from "../core/auth/authenticator.js";
import { readJsonBody } from "../core/http/read-json-body.js";
import { sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import { streamToJson } from "../core/stream.js";
import { commentToJson } from "../core/comment.js";
import { LcError } from "../core/errors.js";
import { heldCommentToJson } from "../core/review-event.js";
import type { Moderation } from "./moderation.js";

/** What the moderation routes need. */
export interface ModerationRoutesOptions {
  readonly moderation: Moderation;
  readonly authenticator: Authenticator;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
}

/**
 * The largest body of `PUT …/blocked_terms`: 1,000 terms of 64 characters of up to 4 bytes, as
 * JSON strings, whatever LC_MAX_BODY_BYTES says of comments.
 */
export const BLOCKED_TERMS_MAX_BODY_BYTES = 300 * 1024;

/**
 * Adds the moderation API (the stream's owner and moderators, scope comments:moderate or
 * streams:admin): deleting and pinning comments, banning users, the stream's modes, held
 * comments and blocked terms; and the owner's: naming moderators.
 */
export function moderationRoutes(router: Router, options: ModerationRoutesOptions): Router {
  const { moderation, authenticator, maxBodyBytes, bodyTimeoutMs } = options;
  const principalOf = (req: IncomingMessage): Promise<Principal> => authenticator.verify(bearerToken(req.headers.authorization));
  const body = async (req: IncomingMessage, limit = maxBodyBytes): Promise<Record<string, unknown>> => {
    const parsed = await readJsonBody(req, limit, bodyTimeoutMs);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new LcError("invalid_argument", "the body must be a JSON object");
    return parsed as Record<string, unknown>;
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
      sendJson(res, 200, streamToJson(await moderation.updateModes(principal, params.id, await body(req))));
    })
    .add("GET", "/v1/streams/:id/held", async (req, res, params) => {
      const held = await moderation.listHeld(await principalOf(req), params.id);
      sendJson(res, 200, { held: held.map(heldCommentToJson) }, { "cache-control": "no-store" });
    })
    .add("POST", "/v1/streams/:id/held/:comment_id/approve", async (req, res, params) => {
      sendJson(res, 200, commentToJson(await moderation.approve(await principalOf(req), params.id, params.comment_id!)));
    })
    .add("POST", "/v1/streams/:id/held/:comment_id/deny", async (req, res, params) => {
      await moderation.deny(await principalOf(req), params.id, params.comment_id!);
      noContent(res);
    })
    .add("GET", "/v1/streams/:id/blocked_terms", async (req, res, params) => {
      sendJson(res, 200, { terms: await moderation.blockedTerms(await principalOf(req), params.id) }, { "cache-control": "no-store" });
    })
    .add("PUT", "/v1/streams/:id/blocked_terms", async (req, res, params) => {
      const principal = await principalOf(req);
      const { terms } = await body(req, Math.max(maxBodyBytes, BLOCKED_TERMS_MAX_BODY_BYTES));
      sendJson(res, 200, { terms: await moderation.setBlockedTerms(principal, params.id, terms) });
    })
    .add("GET", "/v1/streams/:id/moderators", async (req, res, params) => {
      const { ownerId, userIds } = await moderation.moderators(await principalOf(req), params.id);
      sendJson(res, 200, { owner_id: ownerId ?? null, moderators: userIds }, { "cache-control": "no-store" });
    })
    .add("PUT", "/v1/streams/:id/moderators/:user_id", async (req, res, params) => {
      sendJson(res, 200, { moderators: await moderation.addModerator(await principalOf(req), params.id, params.user_id!) });
    })
    .add("DELETE", "/v1/streams/:id/moderators/:user_id", async (req, res, params) => {
      await moderation.removeModerator(await principalOf(req), params.id, params.user_id!);
      noContent(res);
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
