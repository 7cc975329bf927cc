import type { Comment } from "../core/comment.js";
import { commentToJson } from "../core/comment.js";
import type { ViewerEvent } from "../core/viewer-event.js";
import type { ReviewEvent } from "../core/review-event.js";

/**
 * The only writer of text/event-stream in the system. Data is split on line breaks so a
 * value can never inject its own fields or events.
 */
export function formatSseEvent(event: { readonly event?: string; readonly id?: number | string; readonly data: string }): string {
  let out = "";
  if (event.event !== undefined) out += `event: ${singleLine(event.event)}\n`;
  if (event.id !== undefined) out += `id: ${singleLine(String(event.id))}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

function singleLine(value: string): string {
  return value.replace(/[\r\n\0]/g, "");
}

/** Tells EventSource how long to wait before reconnecting. */
export function formatRetry(retryMs: number): string {
  return `retry: ${Math.round(retryMs)}\n\n`;
}

/** A comment line that keeps proxies and the browser from timing the connection out. */
export const HEARTBEAT = ": heartbeat\n\n";

/**
 * Comments as SSE: one `comments` event whose data is the JSON array and whose id is the last
 * seq, or with `single`, one `new_comment` event per comment (the seed's form). With
 * `withIds` false the events carry no id, so they do not move the client's resume cursor.
 */
export function formatComments(comments: readonly Comment[], single: boolean, withIds = true): string {
  const id = (seq: number) => (withIds ? seq : undefined);
  if (!single) {
    return formatSseEvent({ event: "comments", id: id(comments[comments.length - 1]!.seq), data: JSON.stringify(comments.map(commentToJson)) });
  }
  let out = "";
  for (const comment of comments) out += formatSseEvent({ event: "new_comment", id: id(comment.seq), data: JSON.stringify(commentToJson(comment)) });
  return out;
}

/**
 * Says how many comments up to `throughSeq` the viewer's rate cap left out; its id moves the
 * resume cursor past them, so a reconnect does not bring them back.
 */
export function formatOmitted(count: number, throughSeq: number): string {
  return formatSseEvent({ event: "omitted", id: throughSeq, data: JSON.stringify({ count, through_seq: throughSeq }) });
}

/**
 * Tells the client that the comments after `after_seq` are gone from the live path (a gap is
 * never silent): it reloads them from the playback API and keeps listening.
 */
export function formatReset(afterSeq: number, oldestAvailableSeq: number): string {
  return formatSseEvent({ event: "reset", data: JSON.stringify({ after_seq: afterSeq, oldest_available_seq: oldestAvailableSeq }) });
}

/**
 * A change of the stream (delete_comment, pinned_comment, slow_mode, stream_ended). With its
 * seq as id it moves the resume cursor like a comment; without (the current pin sent to a new
 * viewer) it does not.
 */
export function formatViewerEvent(event: ViewerEvent | ReviewEvent, seq?: number): string {
  return formatSseEvent({ event: event.event, ...(seq === undefined ? {} : { id: seq }), data: JSON.stringify(event.data) });
}
