/**
 * The JSON the HTTP API speaks (snake_case; times in integer milliseconds since the epoch,
 * offsets in milliseconds from the stream's start). The server builds these shapes and the SDK
 * reads them, so both import them from here; this folder imports nothing.
 */

/** A comment on every HTTP API: SSE events, playback pages, the pinned comment. */
export interface WireComment {
  readonly comment_id: string;
  readonly stream_id: string;
  readonly user_id: string;
  readonly username: string;
  readonly text: string;
  readonly server_ts: number;
  readonly offset_ms: number;
  readonly seq: number;
}

/** A stream as the API describes it. */
export interface WireStream {
  readonly stream_id: string;
  readonly title: string;
  readonly started_at: number;
  /** When the stream ended; null while it runs. */
  readonly ended_at: number | null;
  /** The pinned comment, or null. */
  readonly pinned: WireComment | null;
  /** Seconds between two comments of one user (0: off). */
  readonly slow_mode_s: number;
  /** When replays last changed (a deletion); 0: never. Replay windows are addressed by it. */
  readonly revision: number;
  /** The user who owns the stream and names its moderators; null for a stream made before owners. */
  readonly owner_id: string | null;
  /** Posting needs the token's `memberships` claim to hold the stream id or "*". */
  readonly members_only: boolean;
  /** The same text within 30 s of an accepted one is refused with 409 duplicate_text. */
  readonly unique_chat: boolean;
  /** Seconds viewers who are not moderators get each comment late (0..10). */
  readonly delay_s: number;
  /** Comments in the stream's history; `GET /v1/streams/{id}` adds it. */
  readonly comment_count?: number;
  /** What the caller is on the stream, when `GET /v1/streams/{id}` was sent a token. */
  readonly caller_rank?: WireStreamRank;
}

/** What a user is on a stream: scope streams:admin, its owner, its moderator (or scope comments:moderate), anyone else. */
export type WireStreamRank = "admin" | "owner" | "moderator" | "viewer";

/** The answer to a post: published (with its place in the log), or held for review (no seq yet). */
export type WirePostAnswer =
  | { readonly comment_id: string; readonly status: "published"; readonly seq: number; readonly server_ts: number; readonly offset_ms: number }
  | { readonly comment_id: string; readonly status: "held" };

/** A comment waiting for a moderator: `GET /v1/streams/{id}/held` and the `held_comment` event. */
export interface WireHeldComment {
  /** Its seq is 0: it gets one when approved. */
  readonly comment: WireComment;
  /** `blocked_term`, or the review hook's reason. */
  readonly reason: string;
  readonly held_at: number;
}

/** How a held comment left the queue: the `held_resolved` event. */
export interface WireHeldResolution {
  readonly comment_id: string;
  readonly outcome: "approved" | "denied" | "expired";
  /** The published comment's seq, for an approval; else null. */
  readonly seq: number | null;
}

/** A change of a stream as viewers receive it over SSE: the event's name and its data. */
export type WireStreamChange =
  | { readonly event: "delete_comment"; readonly data: { readonly comment_id: string } }
  | { readonly event: "pinned_comment"; readonly data: WireComment | null }
  | { readonly event: "slow_mode"; readonly data: { readonly slow_mode_s: number } }
  | { readonly event: "stream_ended"; readonly data: { readonly stream_id: string; readonly ended_at: number } };

/** A moment where the crowd reacted: the start of its bucket (ms of video) and its count. */
export interface WireTimelinePeak {
  readonly offset_ms: number;
  readonly count: number;
}

/** A stream's comment counts per bucket of video time (`GET /v1/streams/{id}/timeline`). */
export interface WireTimeline {
  /** Bucket width in seconds. */
  readonly bucket_s: number;
  /** counts[i]: comments in [i * bucket_s, (i + 1) * bucket_s) seconds of the video. */
  readonly counts: number[];
  /** At most 10, the largest rise above its neighbourhood first. */
  readonly peaks: WireTimelinePeak[];
}
