import { Server } from "@grpc/grpc-js";
import type { ServerInterceptor } from "@grpc/grpc-js";
import { grpcServerCredentials } from "./tls.js";
import type { HostTls } from "./tls.js";

/** Largest gRPC request accepted, in bytes; a comment request is far smaller. */
export const MAX_GRPC_MESSAGE_BYTES = 64 * 1024;

/** A grpc-js server with bounded messages, keepalive that notices dead peers, and `interceptors` around every call. */
export function createGrpcServer(interceptors: ServerInterceptor[] = []): Server {
  return new Server({
    interceptors,
    "grpc.max_receive_message_length": MAX_GRPC_MESSAGE_BYTES,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.max_concurrent_streams": 10_000,
  });
}

/** Binds and starts a server, over TLS when `tls` is given; resolves with the bound port. */
export function listenGrpc(server: Server, host: string, port: number, tls?: HostTls): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpcServerCredentials(tls), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
}

/** Stops accepting calls, lets running ones finish for `graceMs`, then ends them. */
export function closeGrpc(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
