import type { EventSourceLike } from "./live-feed.js";
import { defaultEventSource } from "./live-feed.js";
import type { ApiOptions, WireComment, WireHeldComment, WireHeldResolution, WireStream } from "./wire.js";
import { apiUrl, currentToken, defaultFetch, requestJson, streamPath } from "./wire.js";

/**
 * Options of {@link ModerationClient}: `token` is the moderator's (the stream's owner or one of
 * its moderators, or scope comments:moderate or streams:admin), or a function asked before each
 * call.
 */
export interface ModerationClientOptions extends ApiOptions {
  /** Opens the held queue's event stream; the browser's EventSource by default. */
  readonly eventSource?: (url: string, init: { withCredentials: boolean }) => EventSourceLike;
}

/** A stream's modes as {@link ModerationClient.updateModes} sets them; fields left out stay. */
export interface StreamModes {
  readonly slowModeS?: number;
  readonly membersOnly?: boolean;
  readonly uniqueChat?: boolean;
  /** 0 to 10 seconds. */
  readonly delayS?: number;
}

/** What the held queue's live view calls. */
export interface HeldQueueHandlers {
  readonly onHeld: (held: WireHeldComment) => void;
  readonly onResolved: (resolution: WireHeldResolution) => void;
  /** The connection broke; EventSource reconnects by itself unless it gave up. */
  readonly onError?: () => void;
}

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
 * The moderation API for a moderator's page: delete and pin comments, ban users, the stream's
 * modes, the held queue and blocked terms; and the owner's: its moderators. Refusals reject with
 * a LiveCommentsError carrying the API's code (`comment_not_found`, `forbidden`,
 * `held_not_found`, ...).
 */
export class ModerationClient {
  private readonly api: ApiOptions;

  constructor(private readonly options: ModerationClientOptions) {
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
    return this.updateModes(streamId, { slowModeS: seconds });
  }

  updateModes(streamId: string, modes: StreamModes): Promise<WireStream> {
    return this.call("PATCH", streamPath(streamId), {
      ...(modes.slowModeS === undefined ? {} : { slow_mode_s: modes.slowModeS }),
      ...(modes.membersOnly === undefined ? {} : { members_only: modes.membersOnly }),
      ...(modes.uniqueChat === undefined ? {} : { unique_chat: modes.uniqueChat }),
      ...(modes.delayS === undefined ? {} : { delay_s: modes.delayS }),
    });
  }

  /** The comments waiting for review, oldest first. */
  async heldComments(streamId: string): Promise<WireHeldComment[]> {
    return (await this.call<{ held: WireHeldComment[] }>("GET", streamPath(streamId, "/held"))).held;
  }

  /** Publishes a held comment: it goes live now, and replays place it when it was posted. */
  approve(streamId: string, commentId: string): Promise<WireComment> {
    return this.call("POST", streamPath(streamId, `/held/${encodeURIComponent(commentId)}/approve`));
  }

  deny(streamId: string, commentId: string): Promise<void> {
    return this.call("POST", streamPath(streamId, `/held/${encodeURIComponent(commentId)}/deny`));
  }

  /**
   * The held queue live: `onHeld` for each comment held from now on, `onResolved` when one leaves
   * the queue (approved, denied, expired). Call {@link heldComments} once it is open to have the
   * comments held before. Answers a function that closes it.
   */
  async watchHeld(streamId: string, handlers: HeldQueueHandlers): Promise<() => void> {
    const token = await currentToken(this.options.token);
    const query = token === undefined ? "" : `?access_token=${encodeURIComponent(token)}`;
    const open = this.options.eventSource ?? defaultEventSource;
    const source = open(apiUrl(this.options.baseUrl, streamPath(streamId, `/held/subscribe${query}`)), {
      withCredentials: this.options.credentials === "include",
    });
    source.addEventListener("held_comment", (event) => handlers.onHeld(JSON.parse(event.data) as WireHeldComment));
    source.addEventListener("held_resolved", (event) => handlers.onResolved(JSON.parse(event.data) as WireHeldResolution));
    source.onerror = () => handlers.onError?.();
    return () => source.close();
  }

  async blockedTerms(streamId: string): Promise<string[]> {
    return (await this.call<{ terms: string[] }>("GET", streamPath(streamId, "/blocked_terms"))).terms;
  }

  /** Replaces the stream's blocked terms (at most 1,000, each 1 to 64 characters). */
  async setBlockedTerms(streamId: string, terms: readonly string[]): Promise<string[]> {
    return (await this.call<{ terms: string[] }>("PUT", streamPath(streamId, "/blocked_terms"), { terms })).terms;
  }

  /** The stream's owner and moderators (the owner's call, or streams:admin). */
  moderators(streamId: string): Promise<{ owner_id: string | null; moderators: string[] }> {
    return this.call("GET", streamPath(streamId, "/moderators"));
  }

  async addModerator(streamId: string, userId: string): Promise<string[]> {
    return (await this.call<{ moderators: string[] }>("PUT", streamPath(streamId, `/moderators/${encodeURIComponent(userId)}`))).moderators;
  }

  removeModerator(streamId: string, userId: string): Promise<void> {
    return this.call("DELETE", streamPath(streamId, `/moderators/${encodeURIComponent(userId)}`));
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return requestJson<T>(
      this.api,
      path,
      body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    );
  }
}
