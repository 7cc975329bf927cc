import type { WireStreamRank } from "../client/shared/wire-types.js";
import type { Principal } from "./auth/authenticator.js";
import { COMMENTS_MODERATE_SCOPE, STREAMS_ADMIN_SCOPE } from "./auth/scopes.js";
import { LcError } from "./errors.js";
import type { Stream } from "./stream.js";

/** What a user is on a stream, from most to least power. */
export type StreamRank = WireStreamRank;

/**
 * The principal's rank on the stream: `admin` (scope streams:admin), `owner`, `moderator` (named
 * by the owner, or scope comments:moderate anywhere) or `viewer`.
 */
export function rankOn(stream: Stream, principal: Pick<Principal, "userId" | "scopes">): StreamRank {
  if (principal.scopes.has(STREAMS_ADMIN_SCOPE)) return "admin";
  if (stream.ownerId !== undefined && stream.ownerId === principal.userId) return "owner";
  if (principal.scopes.has(COMMENTS_MODERATE_SCOPE) || stream.moderators?.includes(principal.userId)) return "moderator";
  return "viewer";
}

/** Whether the principal moderates the stream: its moderator or owner, or scope comments:moderate or streams:admin. */
export function moderatesStream(stream: Stream, principal: Pick<Principal, "userId" | "scopes">): boolean {
  return rankOn(stream, principal) !== "viewer";
}

/** Throws `forbidden` unless the principal moderates the stream. */
export function assertModerates(stream: Stream, principal: Pick<Principal, "userId" | "scopes">): void {
  if (!moderatesStream(stream, principal)) throw new LcError("forbidden", `only the moderators of stream ${stream.streamId} may do this`);
}

/** Throws `forbidden` unless the principal owns the stream or holds streams:admin. */
export function assertOwns(stream: Stream, principal: Pick<Principal, "userId" | "scopes">): void {
  const rank = rankOn(stream, principal);
  if (rank !== "admin" && rank !== "owner") throw new LcError("forbidden", `only the owner of stream ${stream.streamId} may name its moderators`);
}
