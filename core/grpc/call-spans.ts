import { ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status as GrpcStatus } from "@grpc/grpc-js";
import type { Metadata, ServerInterceptor } from "@grpc/grpc-js";
import { contextFromHeaders, endFailed, startRequestSpan, tagRequestSpan } from "../tracing.js";
import type { Span } from "../tracing.js";

/** A call's metadata as the headers a propagator reads (`traceparent`, `tracestate`). */
function headersOf(metadata: Metadata): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const key of ["traceparent", "tracestate"]) {
    const [value] = metadata.get(key);
    if (typeof value === "string") headers[key] = value;
  }
  return headers;
}

/**
 * A server interceptor giving every call a span, in the trace its `traceparent` metadata names,
 * tied to the call's metadata (the handler's `call.metadata`: `requestSpanOf` finds it), so the
 * spans and log lines of the work belong to the call. Ended with the call's status, or when the
 * client cancels.
 */
export function callSpans(): ServerInterceptor {
  return (descriptor, call) => {
    let span: Span | undefined;
    const method = descriptor.path.slice(1);
    return new ServerInterceptingCall(
      call,
      new ResponderBuilder()
        .withStart((next) =>
          next(
            new ServerListenerBuilder()
              .withOnReceiveMetadata((metadata, nextMetadata) => {
                span = startRequestSpan(method, contextFromHeaders(headersOf(metadata)), { "rpc.system": "grpc", "rpc.method": method });
                tagRequestSpan(metadata, span);
                nextMetadata(metadata);
              })
              .withOnCancel(() => span?.end())
              .build(),
          ),
        )
        .withSendStatus((status, next) => {
          if (span) {
            span.setAttribute("rpc.grpc.status_code", status.code ?? GrpcStatus.UNKNOWN);
            if (status.code !== GrpcStatus.OK) endFailed(span, new Error(status.details ?? GrpcStatus[status.code ?? GrpcStatus.UNKNOWN]));
            else span.end();
          }
          next(status);
        })
        .build(),
    );
  };
}
