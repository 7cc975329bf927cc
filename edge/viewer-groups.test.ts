import assert from "node:assert/strict";
import { test } from "vitest";
import { Subject } from "rxjs";
import { testComment } from "../core/comment-fixtures.js";
import type { Frame } from "./comment-frames.js";
import { commentsFrame } from "./comment-frames.js";
import type { EventStream } from "./event-stream.js";
import { ViewerGroups } from "./viewer-groups.js";

function viewer(): EventStream & { writes: string[]; ended: boolean } {
  const writes: string[] = [];
  const stream = {
    writes,
    ended: false,
    lastWriteAt: 0,
    write: (bytes: Buffer | string) => void writes.push(bytes.toString()),
    closeWithRetry: () => {},
    end: () => void (stream.ended = true),
    onClose: () => {},
  };
  return stream;
}

const frameOf = (seq: number): Frame => commentsFrame([testComment(seq)], true);
const turn = () => new Promise((resolve) => setImmediate(resolve));
/** The ids each write carried, per write. */
const idsPerWrite = (writes: readonly string[]) => writes.map((w) => [...w.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]).join(","));

test("should write the frames of one turn to each member in one write, and a late joiner only what follows", async () => {
  const feed = new Subject<Frame>();
  const groups = new ViewerGroups();
  const [early, told, late] = [viewer(), viewer(), viewer()];
  groups.join("k", feed, early);
  groups.join("k", feed, told, { seq: 1, single: true });
  feed.next(frameOf(1));
  feed.next(frameOf(2));
  groups.join("k", feed, late); // joins after frames 1 and 2 were produced: they are not its
  feed.next(frameOf(3));
  await turn();
  assert.equal(early.writes.length, 2, "frames 1 and 2 together, before the late viewer joined, then frame 3");
  assert.deepEqual(idsPerWrite(early.writes), ["1,2", "3"]);
  assert.deepEqual(idsPerWrite(told.writes), ["2", "3"], "told through 1");
  assert.deepEqual(idsPerWrite(late.writes), ["3"]);
  feed.next(frameOf(4));
  feed.next(frameOf(5));
  await turn();
  assert.deepEqual(idsPerWrite(early.writes.slice(2)), ["4,5"], "one write for the two frames of a turn");
  feed.complete();
  assert.ok(early.ended && told.ended && late.ended);
  assert.equal(groups.size, 0);
});
