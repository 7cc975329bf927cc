import type { LogEntry, LogEvent } from "../../core/log-event.js";
import { LcError } from "../../core/errors.js";

/** An append waiting for the engine, with the promise to settle once it is durable. */
export interface PendingAppend {
  readonly entry: LogEntry;
  readonly resolve: (event: LogEvent) => void;
  readonly reject: (error: unknown) => void;
  /** When aborted before the append leaves the queue, it is dropped (see AppendOptions). */
  readonly signal?: AbortSignal | undefined;
}

/** The error for appends the engine could not take; ingest answers it with 503. */
export function logUnavailable(cause: unknown): LcError {
  return new LcError("log_unavailable", "the comment log cannot take comments now", { retryAfterMs: 1000, cause });
}

/**
 * The bounded queue in front of a log engine that both adapters share: appends wait here while
 * the engine commits the previous batch, then leave together. Past `maxPending` waiting
 * appends, or once closed, `enqueue` refuses at once instead of growing.
 */
export class AppendQueue {
  private pending: PendingAppend[] = [];
  private closed = false;

  /** `onEnqueue` is called after each accepted append, to start or schedule a flush. */
  constructor(
    private readonly maxPending: number,
    private readonly onEnqueue: () => void,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  enqueue(entry: LogEntry, signal?: AbortSignal): Promise<LogEvent> {
    if (this.closed) return Promise.reject(new LcError("log_unavailable", "the comment log is closed", { retryAfterMs: 1000 }));
    if (this.pending.length >= this.maxPending) this.dropAbandoned();
    if (this.pending.length >= this.maxPending) {
      return Promise.reject(new LcError("overloaded", "too many comments waiting for the log", { retryAfterMs: 1000 }));
    }
    return new Promise<LogEvent>((resolve, reject) => {
      this.pending.push({ entry, resolve, reject, signal });
      this.onEnqueue();
    });
  }

  /**
   * Removes and returns up to `max` of the oldest waiting appends, stopping before the first
   * one `accept` refuses (it is asked in order, and may keep a running total).
   */
  take(max: number, accept?: (entry: LogEntry) => boolean): PendingAppend[] {
    this.dropAbandoned();
    let count = Math.min(max, this.pending.length);
    if (accept) {
      const limit = count;
      for (count = 0; count < limit && accept(this.pending[count]!.entry); count++);
    }
    return this.pending.splice(0, count);
  }

  /**
   * Rejects and removes the appends whose caller gave up (their signal aborted) before they
   * were sent: they were never written, so their callers' retries write them once.
   */
  private dropAbandoned(): void {
    if (!this.pending.some((item) => item.signal?.aborted)) return;
    const gaveUp = new LcError("log_unavailable", "the comment was not sent to the log before its post was answered", { retryAfterMs: 1000 });
    this.pending = this.pending.filter((item) => {
      if (!item.signal?.aborted) return true;
      item.reject(gaveUp);
      return false;
    });
  }

  /** Refuses new appends; those already waiting stay to be flushed. */
  close(): void {
    this.closed = true;
  }
}
