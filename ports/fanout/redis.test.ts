import assert from "node:assert/strict";
import { test } from "vitest";
import { Redis } from "ioredis";
import { firstValueFrom, of, take, toArray } from "rxjs";
import { testCommentEvent } from "../../core/comment-fixtures.js";
import { engineAddress } from "../../harness/engines.js";
import type { FanoutSource, RelayEvent } from "./index.js";
import { channelOf, createRedisFanoutPublisher, createRedisFanoutSource } from "./redis.js";
import { create, toBinary } from "@bufbuild/protobuf";
import { sequencedRecordOf } from "../../core/log-record.js";
import { PubSubMessageSchema } from "../../gen/livecomments/v1/log_record_pb.js";

/** A source on its own connection and a publishing connection, on a fresh stream, closed after. */
async function withRedisTier(body: (tier: { source: ReturnType<typeof createRedisFanoutSource>; publisher: Redis; stream: string }) => Promise<void>) {
  const url = engineAddress("LC_REDIS_URL");
  const publisher = new Redis(url);
  const source = createRedisFanoutSource(new Redis(url));
  try {
    await body({ source, publisher, stream: `r${Math.random().toString(36).slice(2, 10)}` });
  } finally {
    source.close();
    publisher.disconnect();
  }
}

const seqs = (events: RelayEvent[]) => events.map((e) => (e.kind === "comment" ? e.comment.seq : "reset"));

test("should carry published comments to the stream's subscribers only, once each", () =>
  withRedisTier(async ({ source, publisher, stream }) => {
    const received = firstValueFrom(source.subscribe(stream).pipe(take(3), toArray()));
    const other = firstValueFrom(source.subscribe(`${stream}-other`).pipe(take(1), toArray()));
    await new Promise((resolve) => setTimeout(resolve, 100)); // let SUBSCRIBE reach Redis
    const publish = createRedisFanoutPublisher(publisher);
    await publish([testCommentEvent(1, stream), testCommentEvent(1, `${stream}-other`), testCommentEvent(2, stream)]);
    await publish([testCommentEvent(2, stream), testCommentEvent(3, stream)]); // 2 again, as a second relay would
    assert.deepEqual(seqs(await received), [1, 2, 3]);
    const [otherEvent] = await other;
    assert.equal(otherEvent?.kind === "comment" && otherEvent.comment.streamId, `${stream}-other`);
  }));

test("should answer a resume without catch-up source with a reset, then go live", () =>
  withRedisTier(async ({ source, publisher, stream }) => {
    const received = firstValueFrom(source.subscribe(stream, 5).pipe(take(2), toArray()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await createRedisFanoutPublisher(publisher)([testCommentEvent(9, stream)]);
    assert.deepEqual(seqs(await received), ["reset", 9]);
  }));

test("should fail the stream's subscription, not skip silently, when a message was missed", () =>
  withRedisTier(async ({ source, publisher, stream }) => {
    const seen: number[] = [];
    const failed = new Promise<unknown>((resolve) =>
      source.subscribe(stream).subscribe({ next: (e) => e.kind === "comment" && seen.push(e.comment.seq), error: resolve }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await createRedisFanoutPublisher(publisher)([testCommentEvent(1, stream)]);
    // A message with prev_seq 5 follows 1: whatever carried 2..5 never arrived here.
    const gap = create(PubSubMessageSchema, { prevSeq: 5n, records: [sequencedRecordOf(testCommentEvent(6, stream))] });
    await publisher.publish(channelOf(stream), Buffer.from(toBinary(PubSubMessageSchema, gap)));
    assert.match(String(await failed), /missed/);
    assert.deepEqual(seen, [1]);
  }));

test("should start a subscription that asks for history with the catch-up source's recent comments, then go live without repeating them", () =>
  withRedisTier(async ({ publisher, stream }) => {
    const recent = [testCommentEvent(1, stream).comment, testCommentEvent(2, stream).comment];
    const catchUp: FanoutSource = {
      subscribe: (_streamId, _afterSeq, history) => of<RelayEvent>({ kind: "history", comments: recent.slice(-(history ?? 0)) }),
    };
    const source = createRedisFanoutSource(new Redis(engineAddress("LC_REDIS_URL")), { catchUp });
    const received = firstValueFrom(source.subscribe(stream, undefined, 50).pipe(take(2), toArray()));
    await new Promise((resolve) => setTimeout(resolve, 100)); // let SUBSCRIBE reach Redis
    // 2 again (the relay had it when the history was read), then 3: only 3 is new.
    await createRedisFanoutPublisher(publisher)([testCommentEvent(2, stream), testCommentEvent(3, stream)]);
    const [history, live] = await received;
    assert.deepEqual(history?.kind === "history" && history.comments.map((c) => c.seq), [1, 2]);
    assert.equal(live?.kind === "comment" && live.seq, 3);
    source.close();
  }));
