import type { Server } from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { BoundedQueue } from "../core/bounded-queue.js";
import { LcError } from "../core/errors.js";
import { commentToMessage } from "../core/grpc/comment-message.js";
import { addGrpcService } from "../core/grpc/grpc-service.js";
import type { Logger } from "../core/logger.js";
import type { Authenticator } from "../core/auth/authenticator.js";
import { RELAY_SUBSCRIBE_SCOPE } from "../core/auth/scopes.js";
import { callPrincipalWithScope } from "../core/grpc/call-auth.js";
import { streamIdFromPath } from "../core/stream.js";
import type { CommentMessage } from "../core/grpc/comment-message.js";
import type { SubscribeResponseSchema } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay as FanoutRelayService } from "../gen/livecomments/v1/fanout_relay_pb.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import type { FanoutRelay } from "./fanout-relay.js";
import type { Firehose } from "./firehose.js";
import { MAX_RECENT_COMMENTS } from "../core/log-event.js";
import { sequencedRecordOf } from "../core/log-record.js";

/** Events queued for one gRPC subscriber before it is cut off with RESOURCE_EXHAUSTED. */
export const DEFAULT_SUBSCRIBER_QUEUE = 10_000;

type SubscribeResponseInit = MessageInitShape<typeof SubscribeResponseSchema>;

/** Turns queued relay events into messages: runs of comments become one batch each. */
function toMessages(events: readonly RelayEvent[]): SubscribeResponseInit[] {
  const messages: SubscribeResponseInit[] = [];
  let run: CommentMessage[] = [];
  let traced: string[] | undefined;
  const flush = () => {
    if (run.length > 0) messages.push({ event: { case: "comments", value: { comments: run, ...(traced ? { traceParents: traced } : {}) } } });
    run = [];
    traced = undefined;
  };
  for (const event of events) {
    if (event.kind === "comment") {
      if (event.traceParent !== undefined) (traced ??= run.map(() => ""))[run.length] = event.traceParent;
      else traced?.push("");
      run.push(commentToMessage(event.comment));
      continue;
    }
    flush();
    messages.push(noteMessage(event));
  }
  flush();
  return messages;
}

/** The message of a relay event other than a comment. */
function noteMessage(event: Exclude<RelayEvent, { kind: "comment" }>): SubscribeResponseInit {
  switch (event.kind) {
    case "reset":
      return { event: { case: "reset", value: { afterSeq: BigInt(event.afterSeq), oldestAvailableSeq: BigInt(event.oldestAvailableSeq) } } };
    case "position":
      return { event: { case: "position", value: { afterSeq: BigInt(event.afterSeq) } } };
    case "history":
      return { event: { case: "history", value: { comments: event.comments.map(commentToMessage) } } };
    default:
      return { event: { case: "record", value: sequencedRecordOf(event) } };
  }
}

/** What the relay's gRPC service needs. */
export interface RelayGrpcOptions {
  /** Verifies subscribers' tokens: each must carry scope relay:subscribe. */
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly queueLimit?: number;
}

/**
 * Serves FanoutRelay.Subscribe from the relay's rings and SubscribeAll from the firehose, to
 * callers with a bearer JWT of scope relay:subscribe (edges present their own): the relay hands
 * out every event of every stream, so it is never open to anyone who can reach its port.
 */
export function addRelayGrpcService(server: Server, relay: FanoutRelay, firehose: Firehose, options: RelayGrpcOptions): void {
  const { logger, authenticator } = options;
  const queueLimit = options.queueLimit ?? DEFAULT_SUBSCRIBER_QUEUE;
  addGrpcService(
    server,
    FanoutRelayService,
    {
      async *subscribe(request, call, { signal, fail }) {
        await callPrincipalWithScope(authenticator, call.metadata, RELAY_SUBSCRIBE_SCOPE);
        const streamId = streamIdFromPath(request.streamId);
        const queue = new BoundedQueue<RelayEvent>(queueLimit);
        const fromSeq = request.fromSeq === undefined ? undefined : Number(request.fromSeq);
        const history = request.history ?? 0;
        if (history < 0 || history > MAX_RECENT_COMMENTS) throw new LcError("invalid_argument", `history must be from 0 to ${MAX_RECENT_COMMENTS}`);
        // A full queue ends this subscription at once with RESOURCE_EXHAUSTED; the others never
        // wait for it, and its memory goes with it.
        let overflowed = false;
        const unsubscribe = relay.subscribe(
          streamId,
          fromSeq,
          (event) => {
            if (overflowed || queue.push(event)) return;
            overflowed = true;
            queueMicrotask(() => unsubscribe()); // may overflow during the replay, before subscribe returns
            fail(new LcError("slow_consumer", "subscriber too slow: its queue is full"));
          },
          history,
        );
        signal.addEventListener("abort", () => queue.end(), { once: true });
        if (logger.debugging) logger.debug("subscribed", { streamId, fromSeq, subscribers: relay.subscribersOf(streamId) });
        try {
          for await (const events of queue.batches()) yield* toMessages(events);
        } finally {
          if (logger.debugging) logger.debug("unsubscribed", { streamId, aborted: signal.aborted });
          unsubscribe();
        }
      },

      async *subscribeAll(request, call, { signal, fail }) {
        await callPrincipalWithScope(authenticator, call.metadata, RELAY_SUBSCRIBE_SCOPE);
        if (logger.debugging) logger.debug("firehose subscribed", { resuming: Boolean(request.cursor) });
        yield* firehose.subscribe(request.cursor, signal, fail);
      },
    },
    logger,
  );
}
