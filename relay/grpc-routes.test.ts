import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import { connect } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { Metadata, status } from "@grpc/grpc-js";
import type { ServiceError } from "@grpc/grpc-js";
import { createHs256Authenticator } from "../core/auth/authenticator.js";
import { mintToken } from "../core/auth/dev-token.js";
import { RELAY_SUBSCRIBE_SCOPE } from "../core/auth/scopes.js";
import { testComment, testCommentEvent } from "../core/comment-fixtures.js";
import { createGrpcClient } from "../core/grpc/grpc-client.js";
import type { GrpcClient } from "../core/grpc/grpc-client.js";
import { silentLogger } from "../core/logger.js";
import type { SubscribeAllResponse, SubscribeResponse } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay as FanoutRelayService, SubscribeAllRequestSchema, SubscribeRequestSchema } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { closeGrpc, createGrpcServer, listenGrpc } from "../host/grpc-server.js";
import { createSqliteCommentLog } from "../ports/comment-log/sqlite.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { commentEntry } from "../core/log-event.js";
import { FanoutRelay } from "./fanout-relay.js";
import { Firehose } from "./firehose.js";
import { addRelayGrpcService } from "./grpc-routes.js";
import { recorded } from "../harness/grpc-client.js";

const relay = new FanoutRelay({ ringMaxCount: 10_000, ringMaxBytes: 1 << 30 });
const log = createSqliteCommentLog({ db: openDatabase(":memory:"), consumeBatch: 50 });
const firehose = new Firehose(log, { logger: silentLogger, maxSubscribers: 3, queueLimit: 100, stallMs: 300 });
const server = createGrpcServer();

let address = "";
const SECRET = "relay-test-secret";
/** Call metadata with a bearer token of `scope`. */
async function bearer(scope?: string): Promise<Metadata> {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${await mintToken(SECRET, { sub: "edge-1", ...(scope ? { scope } : {}) })}`);
  return metadata;
}

beforeAll(async () => {
  addRelayGrpcService(server, relay, firehose, { logger: silentLogger, authenticator: createHs256Authenticator({ secret: SECRET }), queueLimit: 200 });
  address = `127.0.0.1:${await listenGrpc(server, "127.0.0.1", 0)}`;
});
afterAll(async () => {
  await closeGrpc(server, 100);
  await log.close();
});

/** A raw HTTP/2 gRPC call that subscribes and then never reads: flow control stalls the server. */
async function stalledSubscriber(streamId: string | undefined) {
  const session = connect(`http://${address}`);
  const call = session.request({
    ":method": "POST",
    ":path": `/livecomments.v1.FanoutRelay/${streamId === undefined ? "SubscribeAll" : "Subscribe"}`,
    "content-type": "application/grpc",
    te: "trailers",
    authorization: (await bearer(RELAY_SUBSCRIBE_SCOPE)).get("authorization")[0] as string,
  });
  const body =
    streamId === undefined
      ? toBinary(SubscribeAllRequestSchema, create(SubscribeAllRequestSchema, {}))
      : toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { streamId }));
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  call.end(frame);
  call.pause();
  return () => session.destroy();
}

test("should cut off a subscriber that does not read, and keep serving the others", async () => {
  const grpc = createGrpcClient(FanoutRelayService, address);
  const closeStalled = await stalledSubscriber("hot");
  try {
    const healthy = grpc.subscribe({ streamId: "hot" }, await bearer(RELAY_SUBSCRIBE_SCOPE));
    let received = 0;
    let healthyError: unknown;
    healthy.on("data", (response: SubscribeResponse) => {
      if (response.event.case === "comments") received += response.event.value.comments.length;
    });
    healthy.on("error", (error: ServiceError) => {
      if (error.code !== status.CANCELLED) healthyError = error;
    });
    const deadline = () => Date.now() + 5_000;
    for (const until = deadline(); relay.subscriberCount < 2 && Date.now() < until;) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(relay.subscriberCount, 2);
    const text = "x".repeat(250);
    // Batches as the log delivers them, with the event loop turning in between.
    for (let seq = 1; seq <= 2_000; seq += 20) {
      relay.publish(Array.from({ length: 20 }, (_, i) => testCommentEvent(seq + i, "hot", text)));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    for (const until = deadline(); (received < 2_000 || relay.subscriberCount > 1) && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(relay.subscriberCount, 1, "the stalled subscriber was cut off (its queue filled)");
    assert.equal(healthyError, undefined);
    assert.equal(received, 2_000, "the healthy subscriber got every comment");
    healthy.cancel();
  } finally {
    closeStalled();
    grpc.close();
  }
});

test("should admit only subscribers with a token of scope relay:subscribe", async () => {
  const grpc = createGrpcClient(FanoutRelayService, address);
  const outcome = (metadata: Metadata | undefined) =>
    new Promise<number | "subscribed">((resolve) => {
      const call = grpc.subscribe({ streamId: "guarded" }, metadata);
      const watch = setInterval(() => {
        if (relay.subscribersOf("guarded") === 0) return;
        resolve("subscribed");
        call.cancel();
      }, 10);
      call.on("error", (error: ServiceError) => {
        clearInterval(watch);
        resolve(error.code);
      });
    });
  try {
    assert.equal(await outcome(undefined), status.UNAUTHENTICATED);
    const forged = new Metadata();
    forged.set("authorization", `Bearer ${await mintToken("another secret", { sub: "x", scope: RELAY_SUBSCRIBE_SCOPE })}`);
    assert.equal(await outcome(forged), status.UNAUTHENTICATED);
    assert.equal(await outcome(await bearer()), status.PERMISSION_DENIED);
    assert.equal(await outcome(await bearer("streams:admin")), status.PERMISSION_DENIED);
    assert.equal(await outcome(await bearer(RELAY_SUBSCRIBE_SCOPE)), "subscribed");
  } finally {
    grpc.close();
  }
});

/** Appends comment `n` of `streamId` to the firehose's log. */
async function appendComment(n: number, streamId: string): Promise<void> {
  const { seq: _seq, ...record } = testComment(n, streamId);
  await log.append(commentEntry({ ...record, commentId: `firehose-${n}` }));
}

/** The ids of the comments among firehose messages. */
function commentIdsOf(messages: readonly SubscribeAllResponse[]): string[] {
  return messages.flatMap((m) => m.records.flatMap(({ record }) => (record?.event.case === "comment" ? [record.event.value.comment!.commentId] : [])));
}

/** Opens SubscribeAll and records what arrives, with the comment ids and cursors in it. */
async function firehoseCall(grpc: GrpcClient<typeof FanoutRelayService.method>, cursor?: string) {
  const call = recorded<SubscribeAllResponse>(grpc.subscribeAll(cursor === undefined ? {} : { cursor }, await bearer(RELAY_SUBSCRIBE_SCOPE)));
  return {
    ...call,
    ids: () => commentIdsOf(call.events),
    cursors: () => call.events.map((m) => m.cursor),
    /** How many comments had arrived with message `index`, so its cursor's place is known. */
    seenAt: (index: number) => commentIdsOf(call.events.slice(0, index + 1)).length,
  };
}

test("should send every stream's records through SubscribeAll and resume from a cursor with nothing missed or repeated", async () => {
  const grpc = createGrpcClient(FanoutRelayService, address);
  try {
    const first = await firehoseCall(grpc);
    await first.until(() => first.cursors().length === 1); // the starting cursor
    for (let n = 1; n <= 120; n++) await appendComment(n, `stream-${n % 7}`);
    await first.until(() => first.ids().length === 120);
    assert.deepEqual(
      first.ids(),
      Array.from({ length: 120 }, (_, i) => `firehose-${i + 1}`),
    );
    // A subscriber that stopped after any message resumes with exactly what followed it.
    first.cancel();
    for (const stoppedAt of [0, Math.floor(first.cursors().length / 2), first.cursors().length - 1]) {
      const resumed = await firehoseCall(grpc, first.cursors()[stoppedAt]!);
      await resumed.until(() => resumed.ids().length === 120 - first.seenAt(stoppedAt));
      assert.deepEqual(resumed.ids(), first.ids().slice(first.seenAt(stoppedAt)));
      resumed.cancel();
    }
    const replayed = await firehoseCall(grpc, first.cursors().at(-1)!);
    await replayed.until(() => replayed.cursors().length >= 1);
    await appendComment(121, "stream-late");
    await replayed.until(() => replayed.ids().length === 1);
    assert.deepEqual(replayed.ids(), ["firehose-121"]);
    replayed.cancel();

    const malformed = await firehoseCall(grpc, "bm90IGEgY3Vyc29y");
    assert.equal((await malformed.failed()).code, status.INVALID_ARGUMENT);
    const elsewhere = await firehoseCall(grpc, Buffer.from(JSON.stringify({ l: "kafka:comments", p: [[0, 1]] })).toString("base64url"));
    assert.equal((await elsewhere.failed()).code, status.INVALID_ARGUMENT);
  } finally {
    grpc.close();
  }
});

test("should cut off a firehose subscriber that leaves its full queue unread, keep serving the others, and refuse subscribers past the limit", async () => {
  const grpc = createGrpcClient(FanoutRelayService, address);
  const closeStalled = await stalledSubscriber(undefined);
  try {
    const healthy = await firehoseCall(grpc);
    const third = await firehoseCall(grpc);
    await healthy.until(() => healthy.cursors().length === 1 && third.cursors().length === 1 && firehose.subscriberCount === 3);
    const refused = await firehoseCall(grpc);
    assert.equal((await refused.failed()).code, status.RESOURCE_EXHAUSTED);
    const base = 1_000;
    for (let n = 1; n <= 1_000; n++) await appendComment(base + n, "busy");
    await healthy.until(() => healthy.ids().length === 1_000 && firehose.subscriberCount === 2);
    assert.equal(healthy.failure(), undefined);
    assert.equal(firehose.stalledCount, 1, "the stalled subscriber is counted");
    healthy.cancel();
    third.cancel();
    await healthy.until(() => firehose.subscriberCount === 0);
  } finally {
    closeStalled();
    grpc.close();
  }
});
