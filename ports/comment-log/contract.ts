import assert from "node:assert/strict";
import { test } from "vitest";
import type { Comment, CommentRecord } from "../../core/comment.js";
import { LcError } from "../../core/errors.js";
import type { CommentLog, LogPosition } from "./index.js";
import { appendComment, hasConsumerLag, hasStreamHistory } from "./index.js";
import type { LogEntry, LogEvent } from "../../core/log-event.js";
import { commentsOf } from "../../core/log-event.js";

/** Opens a log; `reopen` opens the same durable log again (a restart). */
export interface CommentLogFixture {
  open(): Promise<CommentLog>;
  dispose(): Promise<void>;
}

let counter = 0;

/** The deletion of a placed comment, as a moderator appends it. */
export function deletionOf(comment: Comment): LogEntry {
  return {
    kind: "deletion",
    streamId: comment.streamId,
    commentId: comment.commentId,
    deletedAt: Date.now(),
    offsetMs: comment.offsetMs,
    commentSeq: comment.seq,
    moderatorId: "mod",
  };
}
/**
 * A record for stream `streamId`, with a unique comment id. Its server_ts is now, as ingest
 * stamps it: Kafka keeps records by that timestamp, and deletes ones from 1970 at its next
 * retention check, which once made an earliest consumer here find nothing.
 */
export function record(streamId: string, text = "hello"): CommentRecord {
  counter++;
  return { commentId: `cid-${Date.now()}-${counter}`, streamId, userId: "u", username: "U", text, serverTs: Date.now(), offsetMs: counter };
}

/** Collects what a consumer receives until `count` comments arrived. */
function collector(count: number) {
  const received: Comment[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => (done = resolve));
  return {
    received,
    enough: () => Promise.race([enough, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${received.length}/${count} arrived`)), 10_000))]),
    handler: (batch: readonly Comment[]) => {
      received.push(...batch);
      if (received.length >= count) done();
    },
  };
}

/**
 * The guarantees of {@link CommentLog}, run against one adapter. `history` says whether the
 * adapter offers {@link StreamHistory}; the suite checks that it does exactly then.
 */
export function commentLogContract(name: string, fixture: () => Promise<CommentLogFixture>, capabilities: { history: boolean }): void {
  const withLog = async (body: (log: CommentLog, f: CommentLogFixture) => Promise<void>) => {
    const f = await fixture();
    const log = await f.open();
    try {
      await body(log, f);
    } finally {
      await log.close();
      await f.dispose();
    }
  };
  const stream = () => `s${Math.random().toString(36).slice(2, 10)}`;

  test(`${name}: should give each stream increasing seqs, also under concurrent appends`, () =>
    withLog(async (log) => {
      const [a, b] = [stream(), stream()];
      const placed = await Promise.all(Array.from({ length: 60 }, (_, i) => appendComment(log, record(i % 2 ? a : b))));
      for (const id of [a, b]) {
        const seqs = placed.filter((c) => c.streamId === id).map((c) => c.seq);
        assert.equal(seqs.length, 30);
        assert.equal(new Set(seqs).size, 30, "no seq given twice");
        assert.deepEqual(
          seqs,
          [...seqs].sort((x, y) => x - y),
          "seqs increase in append order",
        );
      }
    }));

  test(`${name}: should take a burst of the largest comments to one stream, more bytes than one request may carry`, () =>
    withLog(async (log) => {
      const s = stream();
      // 300 four-byte code points and 2 KB of meta: the largest comment input allows.
      const largest = (): CommentRecord => ({ ...record(s, "\u{1F600}".repeat(300)), meta: { pad: "m".repeat(2_000) } });
      const placed = await Promise.all(Array.from({ length: 1_000 }, () => appendComment(log, largest())));
      assert.deepEqual(
        placed.map((c) => c.seq),
        placed.map((_, i) => placed[0]!.seq + i),
        "every one accepted, in order",
      );
    }));

  test(`${name}: should deliver every comment to an earliest consumer in log order`, () =>
    withLog(async (log) => {
      const id = stream();
      const placed: Comment[] = [];
      for (let i = 0; i < 20; i++) placed.push(await appendComment(log, record(id, `t${i}`)));
      const seen = collector(20);
      const consumption = await log.consume({ group: `g-${id}`, from: "earliest", commit: false }, (batch) =>
        seen.handler(commentsOf(batch).filter((c) => c.streamId === id)),
      );
      await seen.enough();
      await consumption.stop();
      assert.deepEqual(
        seen.received.map((c) => c.seq),
        placed.map((c) => c.seq),
      );
      assert.deepEqual(
        seen.received.map((c) => c.text),
        placed.map((c) => c.text),
      );
    }));

  test(`${name}: should start a latest consumer after what is already there`, () =>
    withLog(async (log) => {
      const id = stream();
      await appendComment(log, record(id, "before"));
      const seen = collector(1);
      const consumption = await log.consume({ group: `g-${id}`, from: "latest", commit: false }, (batch) =>
        seen.handler(commentsOf(batch).filter((c) => c.streamId === id)),
      );
      await appendComment(log, record(id, "after"));
      await seen.enough();
      await consumption.stop();
      assert.deepEqual(
        seen.received.map((c) => c.text),
        ["after"],
      );
    }));

  test(`${name}: should start a consumer at the first comment stored since a time`, () =>
    withLog(async (log) => {
      const id = stream();
      const now = Date.now();
      await appendComment(log, { ...record(id, "an hour ago"), serverTs: now - 3_600_000 });
      await appendComment(log, { ...record(id, "a second ago"), serverTs: now - 1_000 });
      const seen = collector(2);
      const consumption = await log.consume({ group: `g-${id}`, from: { since: now - 60_000 }, commit: false }, (batch) =>
        seen.handler(commentsOf(batch).filter((c) => c.streamId === id)),
      );
      await appendComment(log, { ...record(id, "after"), serverTs: now });
      await seen.enough();
      await consumption.stop();
      assert.deepEqual(
        seen.received.map((c) => c.text),
        ["a second ago", "after"],
      );
    }));

  test(`${name}: should resume a consumer at the position another reached, nothing missed or repeated, and refuse positions outside the log`, () =>
    withLog(async (log) => {
      const [a, b] = [stream(), stream()];
      const ours = (batch: readonly LogEvent[]) => commentsOf(batch).filter((c) => c.streamId === a || c.streamId === b);
      const first = collector(30);
      /** The position after each batch, with how many of our comments had arrived by then. */
      const reached: { after: LogPosition; seen: number }[] = [];
      const consumption = await log.consume({ group: `g-${a}`, from: "latest", commit: false }, (batch, after) => {
        first.handler(ours(batch));
        reached.push({ after, seen: first.received.length });
      });
      for (let i = 0; i < 30; i++) await appendComment(log, record(i % 2 ? a : b, `t${i}`));
      await first.enough();
      await consumption.stop();
      const ids = first.received.map((c) => c.commentId);
      const streamOf = new Map(first.received.map((c) => [c.commentId, c.streamId]));
      const resumeFrom = async (at: LogPosition, expected: readonly string[]) => {
        const seen = collector(expected.length);
        const resumed = await log.consume({ group: `g-${a}-${expected.length}`, from: { at }, commit: false }, (batch) => seen.handler(ours(batch)));
        if (expected.length > 0) await seen.enough();
        else await new Promise((resolve) => setTimeout(resolve, 500));
        await resumed.stop();
        // Partitions interleave as they come; each stream keeps its order.
        for (const streamId of [a, b]) {
          assert.deepEqual(
            seen.received.filter((c) => c.streamId === streamId).map((c) => c.commentId),
            expected.filter((id) => streamOf.get(id) === streamId),
          );
        }
      };
      await resumeFrom(consumption.start, ids);
      const middle = reached.find((r) => r.seen >= 10 && r.seen < 30) ?? reached[0]!;
      await resumeFrom(middle.after, ids.slice(middle.seen));
      await resumeFrom(reached.at(-1)!.after, []);
      for (const outside of [new Map([[9_999, 0]]), new Map([...consumption.start].map(([partition]) => [partition, Number.MAX_SAFE_INTEGER]))]) {
        await assert.rejects(
          log.consume({ group: `g-${a}-outside`, from: { at: outside }, commit: false }, () => {}),
          (error: unknown) => error instanceof LcError && error.reason === "invalid_argument",
        );
      }
    }));

  test(`${name}: should redeliver a batch whose handler failed`, () =>
    withLog(async (log) => {
      const id = stream();
      await appendComment(log, record(id, "once"));
      let failures = 0;
      const seen = collector(1);
      const consumption = await log.consume({ group: `g-${id}`, from: "earliest", commit: true }, (batch) => {
        const mine = commentsOf(batch).filter((c) => c.streamId === id);
        if (mine.length > 0 && failures++ === 0) throw new Error("store down");
        seen.handler(mine);
      });
      await seen.enough();
      await consumption.stop();
      assert.equal(failures, 2);
      assert.deepEqual(
        seen.received.map((c) => c.text),
        ["once"],
      );
    }));

  test(`${name}: should resume a committed group where it stopped, across a restart`, async () => {
    const f = await fixture();
    const id = stream();
    const group = `g-${id}`;
    try {
      let log = await f.open();
      await appendComment(log, record(id, "first"));
      const first = collector(1);
      let consumption = await log.consume({ group, from: "earliest", commit: true }, (batch) =>
        first.handler(commentsOf(batch).filter((c) => c.streamId === id)),
      );
      await first.enough();
      await consumption.stop();
      await log.close();

      log = await f.open();
      await appendComment(log, record(id, "second"));
      const second = collector(1);
      consumption = await log.consume({ group, from: "earliest", commit: true }, (batch) => second.handler(commentsOf(batch).filter((c) => c.streamId === id)));
      await second.enough();
      await consumption.stop();
      await log.close();
      assert.deepEqual(
        second.received.map((c) => c.text),
        ["second"],
      );
    } finally {
      await f.dispose();
    }
  });

  test(`${name}: should carry every kind of record in the stream's order, each read back as it was appended`, () =>
    withLog(async (log) => {
      const id = stream();
      const first = await appendComment(log, { ...record(id, "pin me"), clientTs: 1, meta: { k: "v" }, requestId: "req-1" });
      const changes: LogEntry[] = [
        { kind: "pin", streamId: id, comment: first, changedAt: 10, moderatorId: "mod" },
        { kind: "slow_mode", streamId: id, slowModeS: 30, changedAt: 11, moderatorId: "mod" },
        deletionOf(first),
        { kind: "pin", streamId: id, comment: null, changedAt: 12, moderatorId: "mod" },
        { kind: "stream_end", streamId: id, endedAt: 13 },
      ];
      const placed: LogEvent[] = [];
      for (const change of changes) placed.push(await log.append(change));
      const seen: LogEvent[] = [];
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      const consumption = await log.consume({ group: `g-${id}`, from: "earliest", commit: false }, (batch) => {
        seen.push(...batch.filter((e) => e.streamId === id));
        if (seen.length >= 6) done();
      });
      await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${seen.length}/6 arrived`)), 10_000))]);
      await consumption.stop();
      assert.deepEqual(seen, [{ kind: "comment", streamId: id, seq: first.seq, comment: first }, ...placed]);
      assert.deepEqual(
        seen.map((e) => e.seq),
        [...seen.map((e) => e.seq)].sort((a, b) => a - b),
      );
    }));

  test(`${name}: should tell how far a committed group is behind`, () =>
    withLog(async (log) => {
      assert.ok(hasConsumerLag(log));
      const id = stream();
      const group = `lag-${id}`;
      await appendComment(log, record(id, "a"));
      await appendComment(log, record(id, "b"));
      assert.ok((await log.lag(group)) >= 2, "an unknown group is behind everything");
      const seen = collector(2);
      const consumption = await log.consume({ group, from: "earliest", commit: true }, (batch) => seen.handler(commentsOf(batch)));
      await seen.enough();
      const deadline = Date.now() + 10_000;
      while ((await log.lag(group)) !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await log.lag(group), 0);
      await consumption.stop();
    }));

  test(`${name}: should refuse appends after close with log_unavailable`, async () => {
    const f = await fixture();
    const log = await f.open();
    await log.close();
    await assert.rejects(appendComment(log, record(stream())), (error: unknown) => error instanceof LcError && error.reason === "log_unavailable");
    await f.dispose();
  });

  test(`${name}: should ${capabilities.history ? "" : "not "}offer reading a stream back by seq`, () =>
    withLog(async (log) => assert.equal(hasStreamHistory(log), capabilities.history)));

  if (!capabilities.history) return;
  test(`${name}: should read a stream back by seq`, () =>
    withLog(async (log) => {
      assert.ok(hasStreamHistory(log));
      const id = stream();
      const placed: Comment[] = [];
      for (let i = 0; i < 10; i++) placed.push(await appendComment(log, record(id, `h${i}`)));
      const after = await log.readAfter(id, placed[3]!.seq, 4);
      assert.deepEqual(
        commentsOf(after).map((c) => c.text),
        ["h4", "h5", "h6", "h7"],
      );
    }));

  test(`${name}: should never read a deleted comment back, by seq or among the recent ones`, () =>
    withLog(async (log) => {
      assert.ok(hasStreamHistory(log));
      const id = stream();
      const placed: Comment[] = [];
      for (let i = 0; i < 5; i++) placed.push(await appendComment(log, record(id, `r${i}`)));
      const doomed = placed[2]!;
      await log.append(deletionOf(doomed));
      assert.deepEqual(
        (await log.readRecent(id, 3)).map((c) => c.text),
        ["r1", "r3", "r4"],
        "the most recent live comments, oldest first",
      );
      const after = await log.readAfter(id, placed[0]!.seq, 100);
      assert.deepEqual(
        commentsOf(after).map((c) => c.text),
        ["r1", "r3", "r4"],
      );
      assert.deepEqual(
        after.filter((e) => e.kind === "deletion").map((e) => e.kind === "deletion" && e.commentId),
        [doomed.commentId],
        "the deletion itself is read back",
      );
    }));
}
