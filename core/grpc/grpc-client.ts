import { Metadata, credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import type { ChannelCredentials, Client, ClientReadableStream, ServiceError, connectivityState } from "@grpc/grpc-js";
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { grpcServiceDefinition } from "./grpc-service.js";

/** Client calls of a generated service, typed from its descriptor. */
export type GrpcClient<S extends GenServiceMethods> = {
  [K in keyof S]: S[K]["methodKind"] extends "unary"
    ? (request: MessageInitShape<S[K]["input"]>, metadata?: Metadata) => Promise<MessageShape<S[K]["output"]>>
    : S[K]["methodKind"] extends "server_streaming"
      ? (request: MessageInitShape<S[K]["input"]>, metadata?: Metadata) => ClientReadableStream<MessageShape<S[K]["output"]>>
      : never;
} & {
  close(): void;
  /** The channel's state, without making it connect. */
  connectivityState(): connectivityState;
};

type RawUnary = (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response: unknown) => void) => void;
type RawStream = (request: unknown, metadata?: Metadata) => ClientReadableStream<unknown>;

/**
 * A grpc-js client of a generated service on the same codecs the server uses: unary methods
 * return promises, server-streaming methods return the grpc-js readable stream.
 */
export function createGrpcClient<S extends GenServiceMethods>(
  service: GenService<S>,
  address: string,
  options: Record<string, number> = {},
  channel: ChannelCredentials = credentials.createInsecure(),
): GrpcClient<S> {
  const Constructor = makeGenericClientConstructor(grpcServiceDefinition(service), service.typeName);
  const raw = new Constructor(address, channel, {
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    // grpc-js backs off up to 120 s between connection attempts by default, so a peer that
    // restarts in two seconds would be unreachable for minutes; callers retry on their own.
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.min_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 2_000,
    ...options,
  }) as Client & Record<string, RawUnary | RawStream>;
  const client: Record<string, unknown> = { close: () => raw.close(), connectivityState: () => raw.getChannel().getConnectivityState(false) };
  for (const method of service.methods) {
    const input = method.input as DescMessage;
    if (method.methodKind === "unary") {
      client[method.localName] = (request: unknown, metadata?: Metadata) =>
        new Promise((resolve, reject) =>
          (raw[method.localName] as RawUnary)(create(input, request as never), metadata ?? new Metadata(), (error, response) =>
            error ? reject(error) : resolve(response),
          ),
        );
    } else if (method.methodKind === "server_streaming") {
      client[method.localName] = (request: unknown, metadata?: Metadata) => (raw[method.localName] as RawStream)(create(input, request as never), metadata);
    }
  }
  return client as GrpcClient<S>;
}
