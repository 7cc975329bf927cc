import type { Server } from "@grpc/grpc-js";
import { BoundedQueue } from "../core/bounded-queue.js";
import { commentToMessage } from "../core/grpc/comment-message.js";
import { addGrpcService } from "../core/grpc/grpc-service.js";
import type { Logger } from "../core/logger.js";
import { streamIdFromPath } from "../core/stream.js";
import { FanoutRelay as FanoutRelayService } from "../gen/livecomments/v1/fanout_relay_pb.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import type { FanoutRelay } from "./fanout-relay.js";

/** Events queued for one gRPC subscriber before it is cut off with RESOURCE_EXHAUSTED. */
export const DEFAULT_SUBSCRIBER_QUEUE = 10_000;

/** Serves FanoutRelay.Subscribe from the relay. */
export function addRelayGrpcService(server: Server, relay: FanoutRelay, logger: Logger, queueLimit = DEFAULT_SUBSCRIBER_QUEUE): void {
  addGrpcService(
    server,
    FanoutRelayService,
    {
      async *subscribe(request, _call, signal) {
        const streamId = streamIdFromPath(request.streamId);
        const queue = new BoundedQueue<RelayEvent>(queueLimit);
        const fromSeq = request.fromSeq === undefined ? undefined : Number(request.fromSeq);
        // A full queue ends this subscription with RESOURCE_EXHAUSTED; the others never wait for it.
        const unsubscribe = relay.subscribe(streamId, fromSeq, (event) => queue.push(event));
        signal.addEventListener("abort", () => queue.end(), { once: true });
        try {
          for await (const event of queue) {
            yield event.kind === "comment"
              ? { event: { case: "comment" as const, value: commentToMessage(event.comment) } }
              : { event: { case: "reset" as const, value: { oldestAvailableSeq: BigInt(event.oldestAvailableSeq) } } };
          }
        } finally {
          unsubscribe();
        }
      },
    },
    logger,
  );
}
