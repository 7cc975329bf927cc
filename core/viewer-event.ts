import type { WireStreamChange } from "../client/shared/wire-types.js";
import { commentToJson } from "./comment.js";
import type { StreamChange } from "./log-event.js";

/** A change of a stream as viewers receive it: the SSE event name and its JSON data. */
export type ViewerEvent = WireStreamChange;

/** The event every viewer of the stream gets for a change. */
export function viewerEventOf(change: StreamChange): ViewerEvent {
  switch (change.kind) {
    case "deletion":
      return { event: "delete_comment", data: { comment_id: change.commentId } };
    case "pin":
      return { event: "pinned_comment", data: change.comment ? commentToJson(change.comment) : null };
    case "slow_mode":
      return { event: "slow_mode", data: { slow_mode_s: change.slowModeS } };
    case "stream_end":
      return { event: "stream_ended", data: { stream_id: change.streamId, ended_at: change.endedAt } };
  }
}
