import { ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status as GrpcStatus } from "@grpc/grpc-js";
import type { ServerInterceptor } from "@grpc/grpc-js";
import type { GrpcCallRecorder } from "../request-durations.js";

/** The name of a status code (`OK`, `UNAVAILABLE`), as the metric's label. */
function codeName(code: number | undefined): string {
  return GrpcStatus[code ?? GrpcStatus.UNKNOWN] ?? "UNKNOWN";
}

/**
 * A server interceptor timing every call from its start to its status, or to the client's
 * cancel, and handing it to `record` once. Only served methods reach interceptors, so the
 * method label is bounded by the services on the server.
 */
export function callDurations(record: GrpcCallRecorder): ServerInterceptor {
  return (descriptor, call) => {
    const method = descriptor.path.slice(1);
    const started = performance.now();
    let recorded = false;
    const finish = (code: string) => {
      if (recorded) return;
      recorded = true;
      record(method, code, (performance.now() - started) / 1000);
    };
    return new ServerInterceptingCall(
      call,
      new ResponderBuilder()
        .withStart((next) => next(new ServerListenerBuilder().withOnCancel(() => finish("CANCELLED")).build()))
        .withSendStatus((status, next) => {
          finish(codeName(status.code));
          next(status);
        })
        .build(),
    );
  };
}
