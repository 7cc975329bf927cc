import type { Kafka, Producer } from "kafkajs";
import { CompressionTypes } from "kafkajs";
import type { LogEntry, LogEvent } from "../../core/log-event.js";
import { entryTime, placeEntry } from "../../core/log-event.js";
import { encodeLogEntry } from "../../core/log-record.js";
import type { Logger } from "../../core/logger.js";
import { AppendQueue, logUnavailable } from "./append-queue.js";
import type { PendingAppend } from "./append-queue.js";
import { TRACE_PARENT_HEADER } from "./kafka-record.js";
import type { AppendOptions } from "./index.js";

/** Most bytes of record values in one produce request, well under the broker's default 1 MB. */
const MAX_PRODUCE_BYTES = 512 * 1024;
/** Pauses before a batch whose outcome is unknown is sent again: growing by this, up to the max. */
const RESEND_PAUSE_MS = 250;
const RESEND_MAX_PAUSE_MS = 2_000;
/** How long a closing producer keeps resending a batch the broker has not answered. */
const CLOSE_GRACE_MS = 10_000;

/** What {@link startKafkaAppends} writes to, and how much it holds. */
export interface KafkaAppendsOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** The partition of a stream: the same murmur2 partitioner Kafka's Java client uses. */
  readonly partitionFor: (streamId: string) => number;
  readonly compression: "none" | "gzip";
  /** Most appends in one produce request. */
  readonly maxBatch: number;
  /** Most appends waiting; past it `append` rejects with `overloaded`. */
  readonly maxPending: number;
  readonly logger: Logger;
}

/** The write side of the Kafka log. */
export interface KafkaAppends {
  append(entry: LogEntry, options?: AppendOptions): Promise<LogEvent>;
  /** Refuses new appends, sends those already accepted (resending for up to 10 s), disconnects. */
  close(): Promise<void>;
}

/**
 * Contract: every accepted append is written once, in order per stream, and answered with its
 * seq (its offset in the stream's partition), or refused with `log_unavailable` only when the
 * broker refused its batch or the log closed before the broker answered.
 *
 * The producer is idempotent with acks=all and one request in flight, so a retried request is
 * never written twice and order holds; appends that wait while a request is out go together in
 * the next one (at most `maxBatch` appends and 512 KiB). The offsets of a request's messages in
 * one partition are consecutive from the batch's base offset.
 *
 * Re-send rules: a batch whose outcome is unknown (connection lost, timeout, broker restarting)
 * is sent again exactly as it was, for as long as it takes: the idempotent producer gives it
 * the same sequence numbers, so the broker writes it once or answers it as the duplicate of the
 * copy it wrote. Refusing it instead would let the clients' retries write a second copy of a
 * batch that did land, and would leave the producer's sequence behind the broker's, failing
 * every later batch with OUT_OF_ORDER_SEQUENCE_NUMBER. A refusal that names the batch settles
 * each partition's part on its own answer; only a producer the broker no longer knows is
 * replaced by a new one.
 */
export async function startKafkaAppends(options: KafkaAppendsOptions): Promise<KafkaAppends> {
  const { kafka, topic, partitionFor, logger } = options;
  const compression = options.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
  const newProducer = (): Producer => kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  let producer = newProducer();
  await producer.connect();

  let sending: Promise<void> | undefined;
  /** When set, a batch whose outcome is unknown stops being resent at this time (closing). */
  let giveUpAt: number | undefined;

  const sendUntilAnswered = async (batch: readonly PendingAppend[], values: readonly Uint8Array[]): Promise<void> => {
    const partitions = batch.map((item) => partitionFor(item.entry.streamId));
    for (let attempt = 1; ; attempt++) {
      try {
        const metadata = await producer.send({
          topic,
          acks: -1,
          compression,
          // The record's timestamp is its server_ts (a change's own time), so a consumer can start from a time.
          messages: batch.map((item, i) => ({
            key: item.entry.streamId,
            value: Buffer.from(values[i]!.buffer, values[i]!.byteOffset, values[i]!.byteLength),
            partition: partitions[i]!,
            timestamp: String(entryTime(item.entry)),
            ...(item.entry.traceParent === undefined ? {} : { headers: { [TRACE_PARENT_HEADER]: item.entry.traceParent } }),
          })),
        });
        const nextOffset = new Map(metadata.map((m) => [m.partition, Number(m.baseOffset)]));
        batch.forEach((item, i) => {
          const partition = partitions[i]!;
          const seq = nextOffset.get(partition)!;
          nextOffset.set(partition, seq + 1);
          item.resolve(placeEntry(item.entry, seq));
        });
        return;
      } catch (error) {
        const outcome = produceFailure(error);
        if (outcome === "refused") {
          // The broker refused one partition's batch; the others of the request may have been
          // written. Sending each partition's part alone settles each on its own answer.
          const parts = groupByPartition(partitions);
          if (parts.length > 1) {
            for (const indexes of parts)
              await sendUntilAnswered(
                indexes.map((i) => batch[i]!),
                indexes.map((i) => values[i]!),
              );
            return;
          }
          logger.error("kafka refused a batch", { err: error, count: batch.length });
          for (const item of batch) item.reject(logUnavailable(error));
          return;
        }
        if (giveUpAt !== undefined && Date.now() >= giveUpAt) {
          logger.error("kafka did not answer a batch before the log closed; its outcome is unknown", { err: error, count: batch.length });
          for (const item of batch) item.reject(logUnavailable(error));
          return;
        }
        logger.error("kafka produce failed; sending the batch again", { err: error, count: batch.length, attempt, outcome });
        await new Promise((resolve) => setTimeout(resolve, Math.min(RESEND_MAX_PAUSE_MS, RESEND_PAUSE_MS * attempt)));
        if (outcome === "producer_lost") {
          // The broker has no record of this producer's earlier batches (it lost them or their
          // state), so it cannot hold this one either: a new producer id writes it afresh.
          await producer.disconnect().catch(() => {});
          producer = newProducer();
          await producer.connect().catch((connectError: unknown) => logger.error("could not connect a new kafka producer", { err: connectError }));
        }
      }
    }
  };

  const sendLoop = async () => {
    while (queue.size > 0) {
      const values: Uint8Array[] = [];
      let bytes = 0;
      const batch = queue.take(options.maxBatch, (entry) => {
        const value = encodeLogEntry(entry);
        if (values.length > 0 && bytes + value.length > MAX_PRODUCE_BYTES) return false;
        bytes += value.length;
        values.push(value);
        return true;
      });
      if (batch.length > 0) await sendUntilAnswered(batch, values);
    }
    sending = undefined;
  };
  const queue = new AppendQueue(options.maxPending, () => (sending ??= sendLoop()));

  return {
    append: (record, options) => queue.enqueue(record, options?.signal),
    async close() {
      queue.close();
      giveUpAt = Date.now() + CLOSE_GRACE_MS;
      await sending; // appends already accepted into the queue are sent before the log closes
      await producer.disconnect();
    },
  };
}

/**
 * What a failed produce request says about its batch: `refused` when the broker answered that
 * it will not write it (written nowhere, or in some partitions of a request only), `producer_lost`
 * when the broker no longer knows the producer's sequence, `unknown` otherwise.
 */
function produceFailure(error: unknown): "refused" | "producer_lost" | "unknown" {
  if (!(error instanceof Error) || error.name !== "KafkaJSProtocolError") return "unknown";
  const { type, retriable } = error as Error & { type?: string; retriable?: boolean };
  if (type !== undefined && PRODUCER_STATE_ERRORS.has(type)) return "producer_lost";
  return retriable ? "unknown" : "refused";
}
const PRODUCER_STATE_ERRORS = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH", "INVALID_PRODUCER_ID_MAPPING"]);

/** Indexes of the batch grouped by partition, in order of first appearance. */
function groupByPartition(partitions: readonly number[]): number[][] {
  const groups = new Map<number, number[]>();
  partitions.forEach((partition, i) => {
    const group = groups.get(partition);
    if (group) group.push(i);
    else groups.set(partition, [i]);
  });
  return [...groups.values()];
}
