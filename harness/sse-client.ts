import { EventSource } from "eventsource";
import type { CommentJson } from "../core/comment.js";

/** One event as a browser's EventSource delivers it. */
export interface ReceivedEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

/**
 * A real SSE client (the `eventsource` package, which follows the WHATWG parsing rules) that
 * records every event, with waiting helpers.
 */
export class SseRecorder {
  readonly events: ReceivedEvent[] = [];
  readonly source: EventSource;
  private waiters: (() => void)[] = [];

  constructor(url: string, lastEventId?: string) {
    this.source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, lastEventId === undefined ? init : { ...init, headers: { ...(init?.headers as Record<string, string>), "last-event-id": lastEventId } }),
    });
    for (const type of [
      "comments",
      "new_comment",
      "reset",
      "omitted",
      "viewers",
      "delete_comment",
      "pinned_comment",
      "stream_ended",
      "slow_mode",
      "held_comment",
      "held_resolved",
    ]) {
      this.source.addEventListener(type, (event) => {
        this.events.push({ type, data: event.data, lastEventId: event.lastEventId });
        for (const wake of this.waiters.splice(0)) wake();
      });
    }
  }

  /** Resolves once the connection is open. */
  opened(): Promise<void> {
    if (this.source.readyState === EventSource.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.source.addEventListener("open", () => resolve(), { once: true });
      this.source.addEventListener("error", (error) => reject(new Error(`SSE failed: ${error.message ?? error.code}`)), { once: true });
    });
  }

  /** Every comment received so far, in order, from batched and single events. */
  comments(): CommentJson[] {
    return this.events.flatMap((event) => {
      if (event.type === "comments") return JSON.parse(event.data) as CommentJson[];
      if (event.type === "new_comment") return [JSON.parse(event.data) as CommentJson];
      return [];
    });
  }

  /** The sum of the counts of `omitted` events so far. */
  omittedCount(): number {
    return this.events.filter((e) => e.type === "omitted").reduce((sum, e) => sum + (JSON.parse(e.data) as { count: number }).count, 0);
  }

  /** Waits until `predicate` holds, failing after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE condition not met in ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.source.close();
  }
}
