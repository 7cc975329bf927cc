import type { Comment } from "./comment.js";
import type { CommentEvent } from "./log-event.js";
import { commentEvent } from "./log-event.js";

/** A comment with the given seq, for tests. */
export function testComment(seq: number, streamId = "s1", text = `comment ${seq}`): Comment {
  return {
    commentId: `c-${streamId}-${seq}`,
    streamId,
    userId: "u1",
    username: "User",
    text,
    serverTs: 1_800_000_000_000 + seq,
    offsetMs: seq * 10,
    seq,
  };
}

/** A comment with the given seq as the log delivers it, for tests. */
export function testCommentEvent(seq: number, streamId = "s1", text = `comment ${seq}`): CommentEvent {
  return commentEvent(testComment(seq, streamId, text));
}
