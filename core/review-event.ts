import type { WireHeldComment, WireHeldResolution } from "../client/shared/wire-types.js";
import type { CommentRecord } from "./comment.js";
import { commentToJson } from "./comment.js";
import type { ReviewChange } from "./log-event.js";

/** A held comment as moderators see it: the comment (seq 0 until approved), why, and since when. */
export function heldCommentToJson(held: { readonly record: CommentRecord; readonly reason: string; readonly heldAt: number }): WireHeldComment {
  return { comment: commentToJson({ ...held.record, seq: 0 }), reason: held.reason, held_at: held.heldAt };
}

/** A review step as the held stream's SSE event: its name and its JSON data. */
export type ReviewEvent =
  { readonly event: "held_comment"; readonly data: WireHeldComment } | { readonly event: "held_resolved"; readonly data: WireHeldResolution };

/** The event the stream's moderators get for a review step. */
export function reviewEventOf(change: ReviewChange): ReviewEvent {
  if (change.kind === "held") return { event: "held_comment", data: heldCommentToJson(change) };
  return {
    event: "held_resolved",
    data: { comment_id: change.commentId, outcome: change.outcome, seq: change.outcome === "approved" ? change.commentSeq : null },
  };
}
