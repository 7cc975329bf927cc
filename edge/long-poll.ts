import type { Observable } from "rxjs";
import { Subscription } from "rxjs";
import type { Comment } from "../core/comment.js";
import type { LogEvent, StreamChange } from "../core/log-event.js";
import { isReviewEvent } from "../core/log-event.js";
import type { RelayEvent } from "../ports/fanout/index.js";

/** Most comments one poll answers with. */
export const MAX_POLL_COMMENTS = 500;
/** How long a poll keeps gathering after its first comment, so a burst leaves together. */
export const POLL_GATHER_MS = 50;

/** What one poll answers. */
export interface PollResult {
  readonly comments: Comment[];
  /** The changes of the stream (deletions, pins, slow mode, the end) among them, in order. */
  readonly changes: (LogEvent & StreamChange)[];
  /** Set when the comments after the cursor were skipped (a gap is never silent). */
  readonly reset?: { readonly afterSeq: number; readonly oldestAvailableSeq: number };
}

/**
 * One long poll: waits on `events` (a subscription from the cursor) for the first comments or
 * a reset, gathers for a moment, and resolves; resolves empty at `timeoutMs` or on abort.
 * The subscription ends when the poll does.
 */
export function pollOnce(events: Observable<RelayEvent>, timeoutMs: number, signal: AbortSignal): Promise<PollResult> {
  return new Promise((resolve) => {
    const comments: Comment[] = [];
    const changes: (LogEvent & StreamChange)[] = [];
    let reset: PollResult["reset"];
    let gather: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timeout);
      clearTimeout(gather);
      signal.removeEventListener("abort", finish);
      subscription.unsubscribe();
      resolve(reset ? { comments, changes, reset } : { comments, changes });
    };
    // Created first: an in-process replay can finish the poll before subscribe() returns.
    const subscription = new Subscription();
    const timeout = setTimeout(finish, timeoutMs);
    signal.addEventListener("abort", finish, { once: true });
    subscription.add(
      events.subscribe({
        next(event) {
          if (event.kind === "position" || event.kind === "history" || isReviewEvent(event)) return;
          // Nothing is taken past a full answer: the next poll resumes after the last seq answered.
          if (comments.length + changes.length >= MAX_POLL_COMMENTS) return;
          if (event.kind === "reset") reset ??= { afterSeq: event.afterSeq, oldestAvailableSeq: event.oldestAvailableSeq };
          else if (event.kind === "comment") comments.push(event.comment);
          else changes.push(event);
          if (comments.length + changes.length >= MAX_POLL_COMMENTS) finish();
          else gather ??= setTimeout(finish, POLL_GATHER_MS);
        },
        error: finish,
        complete: finish,
      }),
    );
    if (signal.aborted) finish();
  });
}
