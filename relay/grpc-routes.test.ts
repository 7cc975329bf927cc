import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import { connect } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { Metadata, status } from "@grpc/grpc-js";
import type { ServiceError } from "@grpc/grpc-js";
import { createHs256Authenticator } from "../core/auth/authenticator.js";
import { mintToken } from "../core/auth/dev-token.js";
import { RELAY_SUBSCRIBE_SCOPE } from "../core/auth/scopes.js";
import { testCommentEvent } from "../core/comment-fixtures.js";
import { createGrpcClient } from "../core/grpc/grpc-client.js";
import { silentLogger } from "../core/logger.js";
import type { SubscribeResponse } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay as FanoutRelayService, SubscribeRequestSchema } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { closeGrpc, createGrpcServer, listenGrpc } from "../host/grpc-server.js";
import { FanoutRelay } from "./fanout-relay.js";
import { addRelayGrpcService } from "./grpc-routes.js";

const relay = new FanoutRelay({ ringMaxCount: 10_000, ringMaxBytes: 1 << 30 });
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
  addRelayGrpcService(server, relay, { logger: silentLogger, authenticator: createHs256Authenticator({ secret: SECRET }), queueLimit: 200 });
  address = `127.0.0.1:${await listenGrpc(server, "127.0.0.1", 0)}`;
});
afterAll(() => closeGrpc(server, 100));

/** A raw HTTP/2 gRPC call that subscribes and then never reads: flow control stalls the server. */
async function stalledSubscriber(streamId: string) {
  const session = connect(`http://${address}`);
  const call = session.request({
    ":method": "POST",
    ":path": "/livecomments.v1.FanoutRelay/Subscribe",
    "content-type": "application/grpc",
    te: "trailers",
    authorization: (await bearer(RELAY_SUBSCRIBE_SCOPE)).get("authorization")[0] as string,
  });
  const body = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { streamId }));
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
