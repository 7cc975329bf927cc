import { Observable, Subscription } from "rxjs";
import type { Comment } from "../core/comment.js";
import { LcError } from "../core/errors.js";
import type { Frame } from "./comment-frames.js";
import { commentsFrame } from "./comment-frames.js";

/** Most live frames held for one viewer while its catch-up runs. */
export const DEFAULT_MAX_WAITING_FRAMES = 1_000;

/**
 * One resuming viewer's bytes: its private catch-up (replay after `afterSeq`, then live)
 * until the catch-up reaches the first frame of the shared live feed, then the shared feed.
 * Live frames that arrive meanwhile wait (bounded); comments at or below the last seq sent
 * are dropped, so the seam has no gap and no duplicate. Shared bytes are reused whenever the
 * whole frame is new to the viewer.
 */
export function resumeFrames(
  live: Observable<Frame>,
  catchUp: Observable<Frame>,
  afterSeq: number,
  single: boolean,
  maxWaitingFrames = DEFAULT_MAX_WAITING_FRAMES,
): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    let lastSent = afterSeq;
    let joined = false;
    const waiting: Frame[] = [];
    const catchUpSubscription = new Subscription();

    const send = (frame: Frame) => {
      if (frame.kind === "reset") {
        subscriber.next(frame.bytes);
        return;
      }
      const { comments } = frame;
      const fresh: readonly Comment[] = comments[0]!.seq > lastSent ? comments : comments.filter((c) => c.seq > lastSent);
      if (fresh.length === 0) return;
      subscriber.next(fresh === comments ? frame.bytes : commentsFrame(fresh, single).bytes);
      lastSent = fresh[fresh.length - 1]!.seq;
    };
    const joinIfCaughtUp = () => {
      const firstLive = waiting.find((frame) => frame.kind === "comments");
      if (firstLive?.kind !== "comments" || lastSent < firstLive.comments[0]!.seq) return;
      joined = true;
      catchUpSubscription.unsubscribe();
      for (const frame of waiting) send(frame);
      waiting.length = 0;
    };

    const liveSubscription = live.subscribe({
      next(frame) {
        if (joined) return send(frame);
        if (waiting.length >= maxWaitingFrames) {
          subscriber.error(new LcError("overloaded", "viewer could not catch up with the live stream"));
          return;
        }
        if (frame.kind === "comments") waiting.push(frame);
        joinIfCaughtUp();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    catchUpSubscription.add(
      catchUp.subscribe({
        next(frame) {
          if (joined) return;
          send(frame);
          joinIfCaughtUp();
        },
        error: (error: unknown) => subscriber.error(error),
      }),
    );
    return () => {
      liveSubscription.unsubscribe();
      catchUpSubscription.unsubscribe();
    };
  });
}
