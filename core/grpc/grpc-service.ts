import type { Server, ServerUnaryCall, ServerWritableStream, ServiceDefinition, UntypedServiceImplementation, sendUnaryData } from "@grpc/grpc-js";
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { Logger } from "../logger.js";
import { LcError } from "../errors.js";
import { toGrpcStatus } from "./grpc-status.js";

/** A unary method: the decoded request in, the response out. */
export type GrpcUnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: ServerUnaryCall<MessageShape<I>, MessageShape<O>>,
) => Promise<MessageInitShape<O>>;

/** What a server-streaming handler gets besides the request. */
export interface StreamContext {
  /** Aborts when the client goes away or the stream ends. */
  readonly signal: AbortSignal;
  /**
   * Ends the call at once with this error, even while the stream waits for a client that does
   * not read (a full queue must not wait for room that never comes).
   */
  fail(error: unknown): void;
}

/** A server-streaming method: an async generator that stops when `context.signal` aborts. */
export type GrpcServerStreamHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: ServerWritableStream<MessageShape<I>, MessageShape<O>>,
  context: StreamContext,
) => AsyncIterable<MessageInitShape<O>>;

/** Implementation of a generated service, typed from its descriptor. */
export type GrpcServiceImpl<S extends GenServiceMethods> = {
  [K in keyof S]: S[K]["methodKind"] extends "unary"
    ? GrpcUnaryHandler<S[K]["input"], S[K]["output"]>
    : S[K]["methodKind"] extends "server_streaming"
      ? GrpcServerStreamHandler<S[K]["input"], S[K]["output"]>
      : never;
};

/** The grpc-js definition of a protobuf-es service: paths and binary codecs per method. */
export function grpcServiceDefinition<S extends GenServiceMethods>(service: GenService<S>): ServiceDefinition {
  const definition: Record<string, ServiceDefinition[string]> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: (message: MessageShape<DescMessage>) => Buffer.from(toBinary(method.input, message)),
      requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
      responseSerialize: (message: MessageShape<DescMessage>) => Buffer.from(toBinary(method.output, message)),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      originalName: method.localName,
    };
  }
  return definition;
}

/**
 * Serves a generated service on a grpc-js server. Every failure is mapped once to a gRPC
 * status; server streams respect flow control and stop when the client cancels.
 */
export function addGrpcService<S extends GenServiceMethods>(server: Server, service: GenService<S>, impl: GrpcServiceImpl<S>, logger: Logger): void {
  const handlers: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (impl as Record<string, unknown>)[method.localName];
    if (method.methodKind === "unary") {
      const unary = handler as GrpcUnaryHandler<DescMessage, DescMessage>;
      handlers[method.localName] = (call: ServerUnaryCall<MessageShape<DescMessage>, unknown>, callback: sendUnaryData<unknown>) => {
        unary(call.request, call).then(
          (response) => callback(null, create(method.output, response)),
          (error: unknown) => {
            logUnexpected(logger, method.name, error);
            callback(toGrpcStatus(error));
          },
        );
      };
    } else if (method.methodKind === "server_streaming") {
      const stream = handler as GrpcServerStreamHandler<DescMessage, DescMessage>;
      handlers[method.localName] = (call: ServerWritableStream<MessageShape<DescMessage>, unknown>) => {
        void pump(call, stream, method.output, method.name, logger);
      };
    }
  }
  server.addService(grpcServiceDefinition(service), handlers);
  servicesOf(server).push(service);
}

async function pump(
  call: ServerWritableStream<MessageShape<DescMessage>, unknown>,
  handler: GrpcServerStreamHandler<DescMessage, DescMessage>,
  output: DescMessage,
  name: string,
  logger: Logger,
): Promise<void> {
  const abort = new AbortController();
  call.on("cancelled", () => abort.abort());
  call.on("close", () => abort.abort());
  const failure = new Failure();
  const iterator = handler(call.request, call, { signal: abort.signal, fail: (error) => failure.fail(error) })[Symbol.asyncIterator]();
  try {
    let next = iterator.next();
    next.catch(() => {}); // settled below; this only keeps an early exit from leaving it unhandled
    for (;;) {
      const result = await failure.race(next);
      if (result.done || abort.signal.aborted) break;
      const writable = call.write(create(output, result.value));
      next = iterator.next();
      next.catch(() => {});
      if (!writable) {
        // Wait for room, but stop waiting when the source fails meanwhile (its queue is full):
        // the failure then ends the call instead of waiting on a client that does not read.
        const outcome = await failure.race(
          Promise.race([
            roomOrAbort(call, abort.signal).then(() => "room" as const),
            next.then(
              () => "ready" as const,
              () => "failed" as const,
            ),
          ]),
        );
        if (outcome === "ready") await failure.race(roomOrAbort(call, abort.signal));
      }
    }
    if (!abort.signal.aborted) call.end();
  } catch (error) {
    logUnexpected(logger, name, error);
    if (!abort.signal.aborted) call.emit("error", toGrpcStatus(error));
  } finally {
    abort.abort();
    await iterator.return?.(undefined).catch(() => {});
  }
}

/**
 * A call's failure, raced against each wait. Not a long-lived promise in Promise.race: every
 * race leaves a reaction on such a promise until it settles, so a stream that never fails would
 * keep one per message it ever wrote (the relay's memory grew by megabytes a minute so).
 */
class Failure {
  private error: { readonly cause: unknown } | undefined;
  private readonly waiters = new Set<(cause: unknown) => void>();

  fail(cause: unknown): void {
    if (this.error) return;
    this.error = { cause };
    for (const reject of this.waiters) reject(cause);
    this.waiters.clear();
  }

  /** Settles as `work` does, or rejects at once when the call fails first. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.error) return Promise.reject(this.error.cause);
    return new Promise<T>((resolve, reject) => {
      this.waiters.add(reject);
      work.then(
        (value) => (this.waiters.delete(reject), resolve(value)),
        (error: unknown) => (this.waiters.delete(reject), reject(error)),
      );
    });
  }
}

/** Resolves when the call can take more writes, or when it is aborted. */
function roomOrAbort(call: ServerWritableStream<MessageShape<DescMessage>, unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

function logUnexpected(logger: Logger, method: string, error: unknown): void {
  if (!(error instanceof LcError)) logger.error("gRPC handler failed", { method, err: error });
}

/** The client address of a call, from a peer such as "ipv4:127.0.0.1:5000" or "[::1]:5000". */
export function peerAddress(peer: string): string {
  const withoutScheme = peer.replace(/^(ipv4|ipv6|unix):/, "");
  const bracketed = /^\[([^\]]+)\]/.exec(withoutScheme);
  if (bracketed) return bracketed[1]!;
  const lastColon = withoutScheme.lastIndexOf(":");
  return lastColon > 0 ? withoutScheme.slice(0, lastColon) : withoutScheme;
}

const servedServices = new WeakMap<Server, GenService<GenServiceMethods>[]>();

/** The services {@link addGrpcService} put on a server, in order. */
export function servicesOf(server: Server): GenService<GenServiceMethods>[] {
  let services = servedServices.get(server);
  if (!services) servedServices.set(server, (services = []));
  return services;
}
