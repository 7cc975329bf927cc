import type { Server } from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { BoundedQueue } from "../core/bounded-queue.js";
import { LcError } from "../core/errors.js";
import { commentToMessage } from "../core/grpc/comment-message.js";
import { addGrpcService } from "../core/grpc/grpc-service.js";
import type { Logger } from "../core/logger.js";
import { streamIdFromPath } from "../core/stream.js";
import type { CommentMessage } from "../core/grpc/comment-message.js";
import type { SubscribeResponseSchema } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay as FanoutRelayService } from "../gen/livecomments/v1/fanout_relay_pb.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import type { FanoutRelay } from "./fanout-relay.js";

/** Events queued for one gRPC subscriber before it is cut off with RESOURCE_EXHAUSTED. */
export const DEFAULT_SUBSCRIBER_QUEUE = 10_000;

type SubscribeResponseInit = MessageInitShape<typeof SubscribeResponseSchema>;

/** Turns queued relay events into messages: runs of comments become one batch each. */
function toMessages(events: readonly RelayEvent[]): SubscribeResponseInit[] {
  const messages: SubscribeResponseInit[] = [];
  let run: CommentMessage[] = [];
  const flush = () => {
    if (run.length > 0) messages.push({ event: { case: "comments", value: { comments: run } } });
    run = [];
  };
  for (const event of events) {
    if (event.kind === "comment") {
      run.push(commentToMessage(event.comment));
      continue;
    }
    flush();
    messages.push(
      event.kind === "reset"
        ? { event: { case: "reset", value: { afterSeq: BigInt(event.afterSeq), oldestAvailableSeq: BigInt(event.oldestAvailableSeq) } } }
        : { event: { case: "position", value: { afterSeq: BigInt(event.afterSeq) } } },
    );
  }
  flush();
  return messages;
}

/** Serves FanoutRelay.Subscribe from the relay. */
export function addRelayGrpcService(server: Server, relay: FanoutRelay, logger: Logger, queueLimit = DEFAULT_SUBSCRIBER_QUEUE): void {
  addGrpcService(
    server,
    FanoutRelayService,
    {
      async *subscribe(request, _call, { signal, fail }) {
        const streamId = streamIdFromPath(request.streamId);
        const queue = new BoundedQueue<RelayEvent>(queueLimit);
        const fromSeq = request.fromSeq === undefined ? undefined : Number(request.fromSeq);
        // A full queue ends this subscription at once with RESOURCE_EXHAUSTED; the others never
        // wait for it, and its memory goes with it.
        let overflowed = false;
        const unsubscribe = relay.subscribe(streamId, fromSeq, (event) => {
          if (overflowed || queue.push(event)) return;
          overflowed = true;
          queueMicrotask(() => unsubscribe()); // may overflow during the replay, before subscribe returns
          fail(new LcError("slow_consumer", "subscriber too slow: its queue is full"));
        });
        signal.addEventListener("abort", () => queue.end(), { once: true });
        if (logger.debugging) logger.debug("subscribed", { streamId, fromSeq, subscribers: relay.subscribersOf(streamId) });
        try {
          for await (const events of queue.batches()) yield* toMessages(events);
        } finally {
          if (logger.debugging) logger.debug("unsubscribed", { streamId, aborted: signal.aborted });
          unsubscribe();
        }
      },
    },
    logger,
  );
}
