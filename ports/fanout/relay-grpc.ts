import { Observable } from "rxjs";
import { Metadata, connectivityState, status as GrpcStatus } from "@grpc/grpc-js";
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
/**
 * A relay that goes silent (a cut link sends no RST or FIN) is noticed within the keepalive
 * time plus its timeout: the edge then reconnects, to the next relay address if there is one,
 * and resumes every stream from its last seq (docs/operating.md, "Partitions").
 */
export const RELAY_KEEPALIVE_TIME_MS = 4_000;
export const RELAY_KEEPALIVE_TIMEOUT_MS = 3_000;
/**
 * grpc-js puts no time limit on a TCP connect: one begun while the link is cut waits for the
 * kernel's SYN retries (up to 16 s apart). A channel still connecting after this long is
 * replaced, so a connect starts afresh soon after the network is back.
 */
export const RELAY_CONNECT_TIMEOUT_MS = 3_000;

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
  const newClient = () =>
    createGrpcClient(
      FanoutRelay,
      address,
      {
        "grpc.max_receive_message_length": RELAY_MAX_MESSAGE_BYTES,
        // HTTP/2 lets 64 KiB be in flight per connection by default: every stream of the edge shares
        // one connection, so the relay waited for a WINDOW_UPDATE every 64 KiB, and an edge whose
        // event loop was busy for a moment held back every stream (relay to edge p50 4.2 s with the
        // default, 1.8 s with this, at 1,000 comments/s over 200 streams on a saturated machine).
        "grpc-node.flow_control_window": RELAY_FLOW_CONTROL_WINDOW_BYTES,
        "grpc.keepalive_time_ms": RELAY_KEEPALIVE_TIME_MS,
        "grpc.keepalive_timeout_ms": RELAY_KEEPALIVE_TIMEOUT_MS,
      },
      dial.credentials,
    );
  let client = newClient();
  let connectingSince: number | undefined;
  const connectWatch = setInterval(() => {
    if (client.connectivityState() !== connectivityState.CONNECTING) {
      connectingSince = undefined;
      return;
    }
    connectingSince ??= Date.now();
    if (Date.now() - connectingSince < RELAY_CONNECT_TIMEOUT_MS) return;
    // Calls on the old channel fail; the edge subscribes again, on the new one.
    const stuck = client;
    client = newClient();
    connectingSince = undefined;
    stuck.close();
  }, 500);
  connectWatch.unref();
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
    close: () => {
      clearInterval(connectWatch);
      client.close();
    },
  };
}
