import { childSpan, endFailed, startBatchSpan, traceFieldsOf, tracedOf, tracingOn } from "../core/tracing.js";
import type { LogEvent } from "../core/log-event.js";
import type { Authenticator } from "../core/auth/authenticator.js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import type { RoleMounts, StartedRole } from "../core/role.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import type { FanoutSource } from "../ports/fanout/index.js";
import { hasStreamHistory } from "../ports/comment-log/index.js";
import { FanoutRelay } from "./fanout-relay.js";
import { createInProcessFanout } from "./in-process-fanout.js";
import { addRelayGrpcService } from "./grpc-routes.js";
import { Firehose } from "./firehose.js";
import type { RelaySettings } from "./settings.js";
import { RelayMetrics } from "./relay-metrics.js";

/** The subscribers of the streams of a batch's traced records, for its span. */
function subscribersOfTraced(relay: FanoutRelay, batch: readonly LogEvent[]): number {
  const streams = new Set(batch.filter((event) => event.traceParent !== undefined).map((event) => event.streamId));
  let subscribers = 0;
  for (const streamId of streams) subscribers += relay.subscribersOf(streamId);
  return subscribers;
}

/** How often idle rings are looked for. */
const RING_SWEEP_MS = 30_000;

/** What the relay role runs on. */
export interface RelayRoleOptions {
  readonly log: CommentLog;
  /** A consumer group of its own: every relay reads the whole log. */
  readonly group: string;
  /**
   * Its rings, the firehose's limits, and, on a log without history (Kafka), how far back to
   * start reading, so the rings cover the cursors of edges subscribed to a relay that restarted.
   */
  readonly settings: RelaySettings;
  /** Also hands every batch on, e.g. to Redis Pub/Sub; awaited before the next batch. */
  readonly publish?: (batch: readonly LogEvent[]) => Promise<void>;
  /** Verifies the tokens of FanoutRelay subscribers (scope relay:subscribe). */
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly metrics: Registry;
}

/** A running relay; an edge in the same process subscribes through `fanout` instead of gRPC. */
export interface StartedRelay extends StartedRole {
  readonly fanout: FanoutSource;
}

/** Starts reading the log into the rings and serves FanoutRelay (Subscribe, SubscribeAll) on the gRPC server. */
export async function startRelay({ grpc }: RoleMounts, options: RelayRoleOptions): Promise<StartedRelay> {
  const { settings } = options;
  const relay = new FanoutRelay({
    ...(hasStreamHistory(options.log) ? { history: options.log } : {}),
    ringMaxCount: settings.ringMaxCount,
    ringMaxBytes: settings.ringMaxBytes,
    ringsMaxBytes: settings.ringsMaxBytes,
    ringIdleMs: settings.ringIdleMs,
    logger: options.logger,
  });
  const firehose = new Firehose(options.log, { maxSubscribers: settings.firehoseMaxSubscribers, stallMs: settings.firehoseStallMs, logger: options.logger });
  const metrics = new RelayMetrics(options.metrics, relay, firehose);
  const sweeper = setInterval(() => relay.sweep(), Math.min(RING_SWEEP_MS, settings.ringIdleMs));
  sweeper.unref();
  addRelayGrpcService(grpc, relay, firehose, { logger: options.logger, authenticator: options.authenticator });
  const { publish } = options;
  // With history (SQLite) a resuming subscriber is served from the log; without it (Kafka), the
  // rings are filled with the recent past first.
  const from = hasStreamHistory(options.log) || settings.relayWarmupMs === 0 ? "latest" : { since: Date.now() - settings.relayWarmupMs };
  const consumption = await options.log.consume({ group: options.group, from, commit: false }, async (batch) => {
    const consumed = tracingOn() ? startBatchSpan("relay consume", tracedOf(batch), { "livecomments.records": batch.length }) : undefined;
    const sending = consumed && childSpan(consumed, "relay send", { "livecomments.subscribers": subscribersOfTraced(relay, batch) });
    relay.publish(batch);
    metrics.consumedBatch(batch, Date.now());
    if (options.logger.debugging) {
      for (const event of batch) {
        const { streamId, seq } = event;
        const subscribers = relay.subscribersOf(streamId);
        if (event.kind !== "comment") options.logger.debug("record read from the log", { kind: event.kind, streamId, seq, subscribers });
        else
          options.logger.debug("comment read from the log", {
            requestId: event.comment.requestId,
            commentId: event.comment.commentId,
            streamId,
            seq,
            subscribers,
            ...(event.traceParent === undefined ? {} : traceFieldsOf(consumed)),
          });
      }
    }
    try {
      if (publish) await publish(batch);
    } catch (error) {
      for (const span of [sending, consumed]) if (span) endFailed(span, error);
      throw error;
    }
    sending?.end();
    consumed?.end();
  });
  relay.setCoverage((streamId) => consumption.coversAfter(streamId));
  return {
    fanout: createInProcessFanout(relay),
    drain: async () => {},
    stop: () => {
      clearInterval(sweeper);
      return consumption.stop();
    },
  };
}
