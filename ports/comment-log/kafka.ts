import type { Admin, Consumer, Producer } from "kafkajs";
import { CompressionTypes, Kafka, Partitioners, logLevel } from "kafkajs";
import type { Comment } from "../../core/comment.js";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import { AppendQueue, logUnavailable } from "./append-queue.js";
import type { PendingAppend } from "./append-queue.js";
import type { BatchHandler, CommentLog, ConsumeOptions, ConsumerLag, Consumption } from "./index.js";
import { decodeRecord, encodeRecord } from "./kafka-record.js";

/** Defaults of {@link KafkaCommentLogOptions}. */
export const DEFAULT_KAFKA_TOPIC = "comments";
export const DEFAULT_KAFKA_PARTITIONS = 12;
export const DEFAULT_MAX_PRODUCE_BATCH = 1_000;
export const DEFAULT_MAX_PENDING_APPENDS = 10_000;
/** How long `consume` waits for its group to form before failing. */
const GROUP_JOIN_TIMEOUT_MS = 30_000;
/** Most bytes of record values in one produce request, well under the broker's default 1 MB. */
const MAX_PRODUCE_BYTES = 512 * 1024;
/** Pauses before a batch whose outcome is unknown is sent again: growing by this, up to the max. */
const RESEND_PAUSE_MS = 250;
const RESEND_MAX_PAUSE_MS = 2_000;
/** How long a closing log keeps resending a batch the broker has not answered. */
const CLOSE_GRACE_MS = 10_000;
/** Pause before a consumer retries a batch its handler rejected. */
const CONSUMER_RETRY_MS = 200;

/** Options of {@link createKafkaCommentLog}. */
export interface KafkaCommentLogOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topic?: string;
  /** Partitions of the topic when this log creates it; an existing topic is used as it is. */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Most appends in one produce request. */
  readonly maxProduceBatch?: number;
  /** Most appends waiting; past it `append` rejects with `overloaded`. */
  readonly maxPendingAppends?: number;
  readonly compression?: "none" | "gzip";
  readonly logger?: Logger;
}

/**
 * The distributed durable log on Kafka. The producer is idempotent with acks=all and one
 * request in flight, so a retried request is never written twice and order holds; appends
 * that wait while a request is out go together in the next one. The key is the stream id, so
 * a stream lives in one partition, and a comment's seq is its offset there: each message gets
 * its partition from the same murmur2 partitioner Kafka's Java client uses, and the offsets
 * of a request's messages in one partition are consecutive from the batch's base offset.
 */
export async function createKafkaCommentLog(options: KafkaCommentLogOptions): Promise<CommentLog & ConsumerLag> {
  const topic = options.topic ?? DEFAULT_KAFKA_TOPIC;
  const maxBatch = options.maxProduceBatch ?? DEFAULT_MAX_PRODUCE_BATCH;
  const maxPending = options.maxPendingAppends ?? DEFAULT_MAX_PENDING_APPENDS;
  const compression = options.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
  const logger = options.logger ?? silentLogger;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
  });

  const admin: Admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: options.partitions ?? DEFAULT_KAFKA_PARTITIONS, replicationFactor: options.replicationFactor ?? 1 }],
    waitForLeaders: true,
  });
  const partitionCount = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  const partitionOf = Partitioners.DefaultPartitioner();
  const partitionFor = (streamId: string) => partitionOf({ topic, partitionMetadata, message: { key: streamId, value: null } });

  const newProducer = (): Producer => kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  let producer = newProducer();
  await producer.connect();

  let sending: Promise<void> | undefined;
  let closed = false;
  /** When set, a batch whose outcome is unknown stops being resent at this time (closing). */
  let giveUpAt: number | undefined;
  const consumers = new Set<Consumption>();

  /**
   * Sends one batch until the broker answers it. A batch that failed in a way that leaves its
   * outcome unknown (connection lost, timeout, broker restarting) is sent again as it was, for
   * as long as it takes: the idempotent producer gives it the same sequence numbers, so the
   * broker writes it once or answers it as the duplicate of the copy it wrote. Refusing it
   * instead would let the clients' retries write a second copy of a batch that did land, and
   * would leave the producer's sequence behind the broker's, failing every later batch with
   * OUT_OF_ORDER_SEQUENCE_NUMBER.
   */
  const sendUntilAnswered = async (batch: readonly PendingAppend[], values: readonly Buffer[]): Promise<void> => {
    const partitions = batch.map((item) => partitionFor(item.record.streamId));
    for (let attempt = 1; ; attempt++) {
      try {
        const metadata = await producer.send({
          topic,
          acks: -1,
          compression,
          // The record's timestamp is its server_ts, so a consumer can start from a time.
          messages: batch.map((item, i) => ({ key: item.record.streamId, value: values[i]!, partition: partitions[i]!, timestamp: String(item.record.serverTs) })),
        });
        const nextOffset = new Map(metadata.map((m) => [m.partition, Number(m.baseOffset)]));
        batch.forEach((item, i) => {
          const partition = partitions[i]!;
          const seq = nextOffset.get(partition)!;
          nextOffset.set(partition, seq + 1);
          const { clientTs: _clientTs, meta: _meta, ...comment } = item.record; // requestId stays
          item.resolve({ ...comment, seq });
        });
        return;
      } catch (error) {
        const outcome = produceFailure(error);
        if (outcome === "refused") {
          // The broker refused one partition's batch; the others of the request may have been
          // written. Sending each partition's part alone settles each on its own answer.
          const parts = groupByPartition(partitions);
          if (parts.length > 1) {
            for (const indexes of parts) await sendUntilAnswered(indexes.map((i) => batch[i]!), indexes.map((i) => values[i]!));
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
      const values: Buffer[] = [];
      let bytes = 0;
      const batch = queue.take(maxBatch, (record) => {
        const value = encodeRecord(record);
        if (values.length > 0 && bytes + value.length > MAX_PRODUCE_BYTES) return false;
        bytes += value.length;
        values.push(value);
        return true;
      });
      await sendUntilAnswered(batch, values);
    }
    sending = undefined;
  };
  const queue = new AppendQueue(maxPending, () => (sending ??= sendLoop()));

  return {
    append: (record) => queue.enqueue(record),

    async consume(consumeOptions: ConsumeOptions, handler: BatchHandler): Promise<Consumption> {
      if (closed) throw new LcError("log_unavailable", "the comment log is closed");
      // A latest consumer starts from the end offsets as they are now, so nothing appended
      // after consume() resolves can slip past it.
      const { from } = consumeOptions;
      const startAt =
        from === "earliest"
          ? undefined
          : new Map(
              (from === "latest" ? await admin.fetchTopicOffsets(topic) : await admin.fetchTopicOffsetsByTimestamp(topic, from.since)).map((p) => [p.partition, p.offset]),
            );
      let stopped = false;
      /** Next offset to read per partition, as far as this consumer has handled the log. */
      const positions = new Map<number, string>();
      let consumer: Consumer;
      /** Starts a consumer of the group; resolves once it joined. */
      const startConsumer = async (): Promise<void> => {
        const current: Consumer = kafka.consumer({
          groupId: consumeOptions.group,
          allowAutoTopicCreation: false,
          maxWaitTimeInMs: 500,
          // A member that died is noticed after 10 s, so a restarted archive takes over its
          // partitions quickly (the broker's minimum is 6 s).
          sessionTimeout: 10_000,
          heartbeatInterval: 1_000,
        });
        consumer = current;
        // kafkajs restarts a consumer after retriable failures only; after any other one (seen
        // after the broker was paused) it would stay stopped for good. Start a new one instead.
        current.on(current.events.CRASH, (event) => {
          if (event.payload.restart || stopped || consumer !== current) return;
          logger.error("log consumer stopped; starting a new one", { group: consumeOptions.group, err: event.payload.error });
          void (async () => {
            await current.disconnect().catch(() => {});
            for (let attempt = 1; !stopped; attempt++) {
              await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * attempt)));
              if (stopped) return;
              try {
                await startConsumer();
                return;
              } catch (error) {
                logger.error("could not start a new log consumer; trying again", { group: consumeOptions.group, err: error });
                await consumer.disconnect().catch(() => {});
              }
            }
          })();
        });
        await current.connect();
        await current.subscribe({ topic, fromBeginning: consumeOptions.from === "earliest" });
        const joined = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new LcError("log_unavailable", `consumer group ${consumeOptions.group} did not form in time`)), GROUP_JOIN_TIMEOUT_MS);
          current.on(current.events.GROUP_JOIN, (event) => {
            clearTimeout(timer);
            // A group that does not commit starts where consume() found the log's end, and after
            // a rebalance goes on where it was: otherwise Kafka would reset it to the end and
            // silently skip what came in between. Committing groups resume from their commits.
            if (!consumeOptions.commit) {
              for (const partition of event.payload.memberAssignment[topic] ?? []) {
                const offset = positions.get(partition) ?? startAt?.get(partition);
                if (offset !== undefined) current.seek({ topic, partition, offset });
              }
            }
            resolve();
          });
        });
        await current.run({
          autoCommit: false,
          eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
            const comments: Comment[] = [];
            for (const message of batch.messages) {
              const comment = decodeRecord(message.value, Number(message.offset));
              if (comment) comments.push(comment);
              else logger.warn("skipping a log message that is not a comment record", { partition: batch.partition, offset: message.offset });
            }
            for (;;) {
              if (stopped || !isRunning() || isStale()) return;
              try {
                if (comments.length > 0) await handler(comments);
                break;
              } catch (error) {
                logger.warn("log consumer handler failed; retrying the batch", { group: consumeOptions.group, err: error });
                await new Promise((resolve) => setTimeout(resolve, CONSUMER_RETRY_MS));
                await heartbeat();
              }
            }
            const next = String(Number(batch.lastOffset()) + 1);
            positions.set(batch.partition, next);
            if (consumeOptions.commit) await current.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
          },
        });
        try {
          await joined;
        } catch (error) {
          await current.disconnect();
          throw error;
        }
      };
      await startConsumer();
      const consumption: Consumption = {
        coversAfter(streamId) {
          if (!startAt) return -1; // from the earliest offset: everything is seen
          const offset = startAt.get(partitionFor(streamId));
          return offset === undefined ? undefined : Number(offset) - 1;
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          consumers.delete(consumption);
          await consumer.disconnect();
        },
      };
      consumers.add(consumption);
      return consumption;
    },

    async ping() {
      await admin.fetchTopicMetadata({ topics: [topic] });
    },

    async lag(group) {
      const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
      const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      // A partition the group never committed counts from its low watermark.
      return ends.reduce((sum, p) => sum + Math.max(0, Number(p.high) - Math.max(done.get(p.partition) ?? -1, Number(p.low))), 0);
    },

    async close() {
      if (closed) return;
      closed = true;
      queue.close();
      giveUpAt = Date.now() + CLOSE_GRACE_MS;
      await sending; // appends already accepted into the queue are sent before the log closes
      await Promise.all([...consumers].map((c) => c.stop()));
      await producer.disconnect();
      await admin.disconnect();
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
