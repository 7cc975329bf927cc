import { Metadata, credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import type { ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { grpcServiceDefinition } from "../../core/grpc/grpc-service.js";
import type { PostCommentRequestSchema, PostCommentResponse } from "../../gen/livecomments/v1/comment_service_pb.js";
import { CommentService } from "../../gen/livecomments/v1/comment_service_pb.js";
import type { SubscribeResponse } from "../../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay, SubscribeRequestSchema } from "../../gen/livecomments/v1/fanout_relay_pb.js";
import type { CreateStreamRequestSchema, CreateStreamResponse, GetStreamRequestSchema, GetStreamResponse } from "../../gen/livecomments/v1/stream_service_pb.js";
import { StreamService } from "../../gen/livecomments/v1/stream_service_pb.js";

type UnaryMethod = (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response: unknown) => void) => void;
type StreamMethod = (request: unknown, metadata?: Metadata) => ClientReadableStream<unknown>;

/** A grpc-js client of a generated service, built on the same codecs the server uses. */
function clientOf<S extends GenServiceMethods>(service: GenService<S>, address: string) {
  const Client = makeGenericClientConstructor(grpcServiceDefinition(service), service.typeName);
  return new Client(address, credentials.createInsecure()) as unknown as Record<string, UnaryMethod | StreamMethod> & { close(): void };
}

function bearer(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** gRPC clients of every service on a gRPC port, for the black-box tests. */
export class GrpcClients {
  private readonly comments;
  private readonly relay;
  private readonly streams;

  constructor(address: string) {
    this.comments = clientOf(CommentService, address);
    this.relay = clientOf(FanoutRelay, address);
    this.streams = clientOf(StreamService, address);
  }

  postComment(request: MessageInitShape<typeof PostCommentRequestSchema>, token: string | undefined): Promise<PostCommentResponse> {
    return this.unary(this.comments, "postComment", request, token) as Promise<PostCommentResponse>;
  }

  createStream(request: MessageInitShape<typeof CreateStreamRequestSchema>, token: string): Promise<CreateStreamResponse> {
    return this.unary(this.streams, "createStream", request, token) as Promise<CreateStreamResponse>;
  }

  getStream(request: MessageInitShape<typeof GetStreamRequestSchema>): Promise<GetStreamResponse> {
    return this.unary(this.streams, "getStream", request, undefined) as Promise<GetStreamResponse>;
  }

  /** Opens FanoutRelay.Subscribe and records what arrives. */
  subscribe(streamId: string, fromSeq?: number) {
    const call = (this.relay.subscribe as StreamMethod)(
      create(SubscribeRequestSchema, { streamId, ...(fromSeq === undefined ? {} : { fromSeq: BigInt(fromSeq) }) }),
    );
    const events: SubscribeResponse[] = [];
    let failure: Error | undefined;
    call.on("data", (event: SubscribeResponse) => events.push(event));
    call.on("error", (error: Error) => (failure = error));
    return {
      events,
      failure: () => failure,
      async until(predicate: (events: SubscribeResponse[]) => boolean, timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        while (!predicate(events)) {
          if (failure && (failure as ServiceError).code !== 1) throw failure;
          if (Date.now() > deadline) throw new Error(`subscription got ${events.length} events`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      cancel: () => call.cancel(),
    };
  }

  close(): void {
    for (const client of [this.comments, this.relay, this.streams]) client.close();
  }

  private unary(client: Record<string, UnaryMethod | StreamMethod>, method: string, request: unknown, token: string | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const service = method === "postComment" ? CommentService : StreamService;
      const desc = service.methods.find((m) => m.localName === method)!;
      (client[method] as UnaryMethod)(create(desc.input, request as never), bearer(token), (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }
}
