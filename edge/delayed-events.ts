import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from "rxjs";
import { Observable, asyncScheduler } from "rxjs";
import { eventTime, isReviewEvent } from "../core/log-event.js";
import type { RelayEvent } from "../ports/fanout/index.js";

/**
 * A stream's events as viewers of a delayed stream get them: each when `delayMs` has passed
 * since it happened (its own time, so a resumed or polled replay is delayed alike), in log
 * order. A comment deleted while it waits is never released; the deletion is, in its place.
 * Review events never reach viewers; the notes of a subscription (history, position) pass at
 * once, since they show nothing.
 */
export function delayedEvents(delayMs: number, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<RelayEvent> {
  return (source) =>
    new Observable<RelayEvent>((subscriber) => {
      const waiting: { event: RelayEvent; at: number }[] = [];
      let timer: Subscription | undefined;
      let done = false;
      const release = () => {
        timer = undefined;
        const now = scheduler.now();
        while (waiting.length > 0 && waiting[0]!.at <= now) subscriber.next(waiting.shift()!.event);
        if (waiting.length > 0) timer = scheduler.schedule(release, waiting[0]!.at - now);
        else if (done) subscriber.complete();
      };
      const upstream = source.subscribe({
        next(event) {
          if (event.kind === "history" || event.kind === "position") return subscriber.next(event);
          if (isReviewEvent(event)) return;
          if (event.kind === "deletion") {
            const index = waiting.findIndex(({ event: w }) => w.kind === "comment" && w.comment.commentId === event.commentId);
            if (index >= 0) waiting.splice(index, 1);
          }
          // In log order: nothing leaves before what came earlier, whatever its own time.
          const at = Math.max(event.kind === "reset" ? 0 : eventTime(event) + delayMs, waiting.at(-1)?.at ?? 0);
          waiting.push({ event, at });
          if (!timer) release();
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          done = true;
          if (!timer) release();
        },
      });
      return () => {
        timer?.unsubscribe();
        upstream.unsubscribe();
      };
    });
}
