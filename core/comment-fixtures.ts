import type { Comment } from "./comment.js";

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
