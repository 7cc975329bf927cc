import { Observable, Subscription } from "rxjs";
import { LcError } from "../core/errors.js";
import type { CommentsFrame, Frame } from "./comment-frames.js";
import { commentsFrame } from "./comment-frames.js";

/** Most live frames held for one viewer while its catch-up runs. */
export const DEFAULT_MAX_WAITING_FRAMES = 1_000;

/**
 * One resuming viewer's frames: its private catch-up (replay after `afterSeq`, then live)
 * until the catch-up reaches the first frame of the shared live feed, then the shared feed.
 * Live frames that arrive meanwhile wait (bounded); what is at or below the last seq sent is
 * dropped, so the seam has no gap and no duplicate. A shared frame wholly new to the viewer
 * is passed on as it is, so its bytes are not serialised again.
 */
export function resumeFrames(
  live: Observable<Frame>,
  catchUp: Observable<Frame>,
  afterSeq: number,
  single: boolean,
  maxWaitingFrames = DEFAULT_MAX_WAITING_FRAMES,
): Observable<Frame> {
  return new Observable<Frame>((subscriber) => {
    let lastSent = afterSeq;
    let joined = false;
    const waiting: CommentsFrame[] = [];
    const catchUpSubscription = new Subscription();

    const send = (frame: Frame) => {
      if (frame.kind === "reset") return subscriber.next(frame);
      if (frame.throughSeq <= lastSent) return;
      if (frame.firstSeq > lastSent) {
        subscriber.next(frame);
      } else {
        const fresh = frame.comments.filter((c) => c.seq > lastSent);
        const omitted = frame.omitted.filter((c) => c.seq > lastSent);
        if (fresh.length > 0) subscriber.next(commentsFrame(fresh, single, { omitted, omittedCount: omitted.length, throughSeq: frame.throughSeq }));
      }
      lastSent = frame.throughSeq;
    };
    const joinIfCaughtUp = () => {
      const firstLive = waiting[0];
      if (!firstLive || lastSent < firstLive.firstSeq) return;
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
