import assert from "node:assert/strict";
import { Subject } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { test } from "vitest";
import type { Comment } from "../core/comment.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { delayedEvents } from "./delayed-events.js";

const comment = (seq: number, serverTs: number): RelayEvent => ({
  kind: "comment",
  streamId: "s",
  seq,
  comment: { commentId: `c${seq}`, streamId: "s", userId: "u", username: "U", text: `t${seq}`, serverTs, offsetMs: serverTs, seq } satisfies Comment,
});

test("should release each event its delay after it happened, in log order, and never a comment deleted while it waits", () => {
  const scheduler = new TestScheduler(assert.deepEqual);
  scheduler.run(({ expectObservable, cold }) => {
    const source = cold<RelayEvent>("a 99ms b 49ms c 199ms d 9ms e", {
      a: comment(1, 0),
      b: comment(2, 100),
      c: comment(3, 150),
      d: { kind: "deletion", streamId: "s", seq: 4, commentId: "c3", deletedAt: 350, offsetMs: 150, commentSeq: 3, moderatorId: "m" },
      e: comment(5, 30), // an approved comment, posted long ago: leaves with what is before it
    });
    const seqs = source.pipe(delayedEvents(1_000, scheduler));
    expectObservable(seqs).toBe("1000ms a 99ms b 249ms (de)", {
      a: comment(1, 0),
      b: comment(2, 100),
      d: { kind: "deletion", streamId: "s", seq: 4, commentId: "c3", deletedAt: 350, offsetMs: 150, commentSeq: 3, moderatorId: "m" },
      e: comment(5, 30),
    });
  });
});

test("should pass history and position notes at once and drop review events", () => {
  const received: string[] = [];
  const source = new Subject<RelayEvent>();
  source.pipe(delayedEvents(60_000)).subscribe((event) => received.push(event.kind));
  source.next({ kind: "position", afterSeq: 3 });
  source.next({ kind: "history", comments: [] });
  source.next({ kind: "held_resolved", streamId: "s", seq: 9, commentId: "c", outcome: "denied", resolvedAt: 0, moderatorId: "m", commentSeq: 0 });
  assert.deepEqual(received, ["position", "history"]);
});
