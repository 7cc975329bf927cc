import { Observable, Subscription } from "rxjs";
import { LcError } from "../core/errors.js";
import type { Frame } from "./comment-frames.js";
import { newerPart } from "./comment-frames.js";

/** A frame that accounts for a span of seqs. */
type SequencedFrame = Exclude<Frame, { kind: "reset" }>;

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
    const waiting: SequencedFrame[] = [];
    const catchUpSubscription = new Subscription();

    const send = (frame: Frame) => {
      const part = newerPart(frame, lastSent, single);
      if (part) subscriber.next(part);
      if (frame.kind !== "reset") lastSent = Math.max(lastSent, frame.throughSeq);
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
        if (frame.kind !== "reset") waiting.push(frame);
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
