import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import { connect } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import type { ServiceError } from "@grpc/grpc-js";
import { testComment } from "../core/comment-fixtures.js";
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

beforeAll(async () => {
  addRelayGrpcService(server, relay, silentLogger, 200);
  address = `127.0.0.1:${await listenGrpc(server, "127.0.0.1", 0)}`;
});
afterAll(() => closeGrpc(server, 100));

/** A raw HTTP/2 gRPC call that subscribes and then never reads: flow control stalls the server. */
function stalledSubscriber(streamId: string) {
  const session = connect(`http://${address}`);
  const call = session.request({ ":method": "POST", ":path": "/livecomments.v1.FanoutRelay/Subscribe", "content-type": "application/grpc", te: "trailers" });
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
  const closeStalled = stalledSubscriber("hot");
  try {
    const healthy = grpc.subscribe({ streamId: "hot" });
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
      relay.publish(Array.from({ length: 20 }, (_, i) => testComment(seq + i, "hot", text)));
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
