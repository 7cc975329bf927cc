import type { OperatorFunction, SchedulerLike, Subscription } from "rxjs";
import { Observable, asyncScheduler } from "rxjs";
import type { Comment } from "../core/comment.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { formatComments, formatReset } from "./sse-format.js";

/** What an edge writes to viewers: SSE bytes, serialised once, with what they carry. */
export type Frame =
  | { readonly kind: "comments"; readonly comments: readonly Comment[]; readonly bytes: Buffer }
  | { readonly kind: "reset"; readonly bytes: Buffer };

/** Most comments in one batch; a fuller window is sent early. */
export const DEFAULT_MAX_BATCH = 500;

/** Encodes comments as one frame. */
export function commentsFrame(comments: readonly Comment[], single: boolean): Frame {
  return { kind: "comments", comments, bytes: Buffer.from(formatComments(comments, single)) };
}

/**
 * Turns relay events into frames. Comments are coalesced: the first comment after a quiet
 * spell opens a window of `batchMs`, and everything that arrives in it leaves as one frame.
 * With `batchMs` 0 each comment is its own `new_comment` frame. A reset flushes the window
 * and passes at once, keeping order.
 */
export function toFrames(batchMs: number, maxBatch = DEFAULT_MAX_BATCH, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<RelayEvent, Frame> {
  const single = batchMs === 0;
  return (source) =>
    new Observable<Frame>((subscriber) => {
      let buffer: Comment[] = [];
      let timer: Subscription | undefined;
      const flush = () => {
        timer?.unsubscribe();
        timer = undefined;
        if (buffer.length === 0) return;
        const batch = buffer;
        buffer = [];
        subscriber.next(commentsFrame(batch, single));
      };
      const upstream = source.subscribe({
        next(event) {
          if (event.kind === "reset") {
            flush();
            subscriber.next({ kind: "reset", bytes: Buffer.from(formatReset(event.afterSeq, event.oldestAvailableSeq)) });
            return;
          }
          buffer.push(event.comment);
          if (single || buffer.length >= maxBatch) flush();
          else timer ??= scheduler.schedule(flush, batchMs);
        },
        error(error) {
          flush();
          subscriber.error(error);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        upstream.unsubscribe();
      };
    });
}
