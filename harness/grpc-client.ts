import { Metadata } from "@grpc/grpc-js";
import type { ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createGrpcClient } from "../core/grpc/grpc-client.js";
import { until } from "./until.js";
import type { PostCommentRequestSchema } from "../gen/livecomments/v1/comment_service_pb.js";
import { CommentService } from "../gen/livecomments/v1/comment_service_pb.js";
import type { SubscribeAllResponse, SubscribeResponse } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay } from "../gen/livecomments/v1/fanout_relay_pb.js";
import type { CreateStreamRequestSchema, GetStreamRequestSchema } from "../gen/livecomments/v1/stream_service_pb.js";
import { StreamService } from "../gen/livecomments/v1/stream_service_pb.js";
import { ModerationService } from "../gen/livecomments/v1/moderation_service_pb.js";

export function bearer(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** gRPC clients of every service, for the black-box tests: ingest's services and the relay's. */
export class GrpcClients {
  private readonly comments;
  private readonly streams;
  private readonly relay;
  /** ModerationService, called with a moderator's token as `bearer(token)` metadata. */
  readonly moderation;

  constructor(ingestAddress: string, relayAddress: string) {
    this.comments = createGrpcClient(CommentService, ingestAddress);
    this.moderation = createGrpcClient(ModerationService, ingestAddress);
    this.streams = createGrpcClient(StreamService, ingestAddress);
    this.relay = createGrpcClient(FanoutRelay, relayAddress);
  }

  /** Posts as `token`; `extra` metadata (a `traceparent`) goes with the call. */
  postComment(request: MessageInitShape<typeof PostCommentRequestSchema>, token: string | undefined, extra: Record<string, string> = {}) {
    const metadata = bearer(token);
    for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
    return this.comments.postComment(request, metadata);
  }

  createStream(request: MessageInitShape<typeof CreateStreamRequestSchema>, token: string) {
    return this.streams.createStream(request, bearer(token));
  }

  /** Reads a stream; with `token`, the answer says the caller's rank on it. */
  getStream(request: MessageInitShape<typeof GetStreamRequestSchema>, token?: string) {
    return this.streams.getStream(request, bearer(token));
  }

  /** Opens FanoutRelay.Subscribe with `token` (scope relay:subscribe) and records what arrives. */
  subscribe(streamId: string, fromSeq: number | undefined, token: string | undefined) {
    return recorded<SubscribeResponse>(this.relay.subscribe({ streamId, ...(fromSeq === undefined ? {} : { fromSeq: BigInt(fromSeq) }) }, bearer(token)));
  }

  /** Opens FanoutRelay.SubscribeAll (the firehose) with `token`, from `cursor`, and records what arrives. */
  subscribeAll(cursor: string | undefined, token: string | undefined) {
    return recorded<SubscribeAllResponse>(this.relay.subscribeAll(cursor === undefined ? {} : { cursor }, bearer(token)));
  }

  close(): void {
    for (const client of [this.comments, this.streams, this.relay, this.moderation]) client.close();
  }
}

/** Records the messages of a server-streaming call, with a wait for what the test expects. */
export function recorded<T>(call: ClientReadableStream<T>) {
  const events: T[] = [];
  let failure: ServiceError | undefined;
  call.on("data", (event: T) => events.push(event));
  call.on("error", (error: ServiceError) => (failure = error));
  return {
    events,
    /** Waits for `predicate` to hold over the messages so far; throws the call's status if it fails first. */
    until: (predicate: (events: T[]) => boolean, timeoutMs = 5_000) =>
      until(
        () => {
          if (predicate(events)) return true;
          if (failure) throw failure;
          return false;
        },
        timeoutMs,
        () => `the messages the test expects; the subscription got ${events.length}`,
        20,
      ),
    /** The status the call failed with, if it did. */
    failure: () => failure,
    /** Waits for the call to fail, and answers its status. */
    async failed(timeoutMs = 5_000): Promise<ServiceError> {
      await until(
        () => failure !== undefined,
        timeoutMs,
        () => `the call to fail; it got ${events.length} messages`,
        20,
      );
      return failure!;
    },
    cancel: () => call.cancel(),
  };
}
