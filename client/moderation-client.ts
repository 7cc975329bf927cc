import type { ApiOptions, WireStream } from "./wire.js";
import { defaultFetch, requestJson, streamPath } from "./wire.js";

/**
 * Options of {@link ModerationClient}: `token` is the moderator's (scope comments:moderate or
 * streams:admin), or a function asked before each call.
 */
export type ModerationClientOptions = ApiOptions;

/** The scopes a JWT claims, read from its payload without verifying it (the server does). */
export function tokenScopes(token: string): Set<string> {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(
      payload
        .replace(/-/g, "+")
        .replace(/_/g, "/")
        .padEnd(Math.ceil(payload.length / 4) * 4, "="),
    );
    const scope = (JSON.parse(json) as { scope?: unknown }).scope;
    return new Set(typeof scope === "string" ? scope.split(" ").filter(Boolean) : []);
  } catch {
    return new Set();
  }
}

/** Whether a token claims what moderation needs; the page shows moderators' controls by it. */
export function canModerate(token: string): boolean {
  const scopes = tokenScopes(token);
  return scopes.has("comments:moderate") || scopes.has("streams:admin");
}

/**
 * The moderation API for a moderator's page: delete and pin comments, ban users, slow mode.
 * Refusals reject with a LiveCommentsError carrying the API's code (`comment_not_found`,
 * `permission_denied`, ...).
 */
export class ModerationClient {
  private readonly api: ApiOptions;

  constructor(options: ModerationClientOptions) {
    this.api = { ...options, fetch: options.fetch ?? defaultFetch() };
  }

  deleteComment(streamId: string, commentId: string): Promise<{ comment_id: string; deleted_at: number }> {
    return this.call("DELETE", streamPath(streamId, `/comments/${encodeURIComponent(commentId)}`));
  }

  pin(streamId: string, commentId: string): Promise<WireStream> {
    return this.call("PUT", streamPath(streamId, "/pin"), { comment_id: commentId });
  }

  unpin(streamId: string): Promise<void> {
    return this.call("DELETE", streamPath(streamId, "/pin"));
  }

  /** Bans a user from posting to the stream: for `durationS` seconds, or for good without it. */
  ban(streamId: string, userId: string, ban: { durationS?: number; reason?: string } = {}): Promise<{ user_id: string; until: number | null }> {
    return this.call("PUT", streamPath(streamId, `/bans/${encodeURIComponent(userId)}`), {
      ...(ban.durationS === undefined ? {} : { duration_s: ban.durationS }),
      ...(ban.reason === undefined ? {} : { reason: ban.reason }),
    });
  }

  unban(streamId: string, userId: string): Promise<void> {
    return this.call("DELETE", streamPath(streamId, `/bans/${encodeURIComponent(userId)}`));
  }

  setSlowMode(streamId: string, seconds: number): Promise<WireStream> {
    return this.call("PATCH", streamPath(streamId), { slow_mode_s: seconds });
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return requestJson<T>(
      this.api,
      path,
      body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    );
  }
}
