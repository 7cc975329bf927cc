import { Observable } from "rxjs";
import { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import type { ChannelCredentials, ServiceError } from "@grpc/grpc-js";
import { LcError } from "../../core/errors.js";
import { createGrpcClient } from "../../core/grpc/grpc-client.js";
import { commentFromMessage } from "../../core/grpc/comment-message.js";
import { commentEvent, withTraceParent } from "../../core/log-event.js";
import { eventOfSequenced } from "../../core/log-record.js";
import type { SubscribeResponse } from "../../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay } from "../../gen/livecomments/v1/fanout_relay_pb.js";
import type { FanoutSource, RelayEvent } from "./index.js";

/** Largest message from the relay: a batch of comments. */
const RELAY_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Bytes the relay may send ahead of what the edge has read, per stream and per connection. */
const RELAY_FLOW_CONTROL_WINDOW_BYTES = 8 * 1024 * 1024;

/** A fan-out source on the relay's gRPC stream, as an edge in its own process uses it. */
export interface RelayGrpcFanout extends FanoutSource {
  close(): void;
}

/** How a role dials the relay. */
export interface RelayDialOptions {
  /** TLS to the relay (its CA, and a client certificate for a relay that asks for one); plaintext when unset. */
  readonly credentials?: ChannelCredentials;
  /** The bearer token of every Subscribe (scope relay:subscribe), asked for each call so it can be renewed. */
  readonly token?: () => Promise<string>;
}

/**
 * The edge's upstream over gRPC: one FanoutRelay.Subscribe call per subscription. Any end of
 * the call the edge did not ask for (relay restart, network) errors the observable, and the
 * edge re-subscribes from the last seq it saw.
 */
export function createRelayGrpcFanout(address: string, dial: RelayDialOptions = {}): RelayGrpcFanout {
  const client = createGrpcClient(
    FanoutRelay,
    address,
    {
      "grpc.max_receive_message_length": RELAY_MAX_MESSAGE_BYTES,
      // HTTP/2 lets 64 KiB be in flight per connection by default: every stream of the edge shares
      // one connection, so the relay waited for a WINDOW_UPDATE every 64 KiB, and an edge whose
      // event loop was busy for a moment held back every stream (relay to edge p50 4.2 s with the
      // default, 1.8 s with this, at 1,000 comments/s over 200 streams on a saturated machine).
      "grpc-node.flow_control_window": RELAY_FLOW_CONTROL_WINDOW_BYTES,
    },
    dial.credentials,
  );
  return {
    subscribe(streamId, afterSeq, history = 0) {
      return new Observable<RelayEvent>((subscriber) => {
        let cancelled = false;
        let cancel = () => {};
        const start = (metadata: Metadata) => {
          if (cancelled) return;
          const call = client.subscribe({ streamId, ...(afterSeq === undefined ? (history > 0 ? { history } : {}) : { fromSeq: BigInt(afterSeq) }) }, metadata);
          cancel = () => call.cancel();
          call.on("data", (response: SubscribeResponse) => {
            const event = response.event;
            if (event.case === "comments") {
              const { comments, traceParents } = event.value;
              const traced = traceParents.length === comments.length;
              comments.forEach((comment, i) =>
                subscriber.next(withTraceParent(commentEvent(commentFromMessage(comment)), traced ? traceParents[i] : undefined)),
              );
            } else if (event.case === "reset") {
              subscriber.next({ kind: "reset", afterSeq: Number(event.value.afterSeq), oldestAvailableSeq: Number(event.value.oldestAvailableSeq) });
            } else if (event.case === "position") {
              subscriber.next({ kind: "position", afterSeq: Number(event.value.afterSeq) });
            } else if (event.case === "history") {
              subscriber.next({ kind: "history", comments: event.value.comments.map(commentFromMessage) });
            } else if (event.case === "record") {
              const record = eventOfSequenced(event.value);
              if (record) subscriber.next(record);
            }
          });
          call.on("error", (error: ServiceError) => {
            if (cancelled && error.code === GrpcStatus.CANCELLED) return;
            subscriber.error(new LcError("unavailable", `relay subscription failed: ${error.details || error.message}`, { cause: error }));
          });
          call.on("end", () => {
            if (!cancelled) subscriber.error(new LcError("unavailable", "relay ended the subscription"));
          });
        };
        const metadata = new Metadata();
        if (!dial.token) start(metadata);
        else {
          dial.token().then(
            (token) => {
              metadata.set("authorization", `Bearer ${token}`);
              start(metadata);
            },
            (error: unknown) => subscriber.error(new LcError("unavailable", "no token for the relay", { cause: error })),
          );
        }
        return () => {
          cancelled = true;
          cancel();
        };
      });
    },
    close: () => client.close(),
  };
}
