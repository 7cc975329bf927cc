import type { Admin, Consumer, Producer } from "kafkajs";
import { CompressionTypes, Kafka, Partitioners, logLevel } from "kafkajs";
import type { Comment } from "../../core/comment.js";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import { AppendQueue, logUnavailable } from "./append-queue.js";
import type { BatchHandler, CommentLog, ConsumeOptions, ConsumerLag, Consumption } from "./index.js";
import { decodeRecord, encodeRecord } from "./kafka-record.js";

/** Defaults of {@link KafkaCommentLogOptions}. */
export const DEFAULT_KAFKA_TOPIC = "comments";
export const DEFAULT_KAFKA_PARTITIONS = 12;
export const DEFAULT_MAX_PRODUCE_BATCH = 1_000;
export const DEFAULT_MAX_PENDING_APPENDS = 10_000;
/** How long `consume` waits for its group to form before failing. */
const GROUP_JOIN_TIMEOUT_MS = 30_000;
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

  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();

  let sending: Promise<void> | undefined;
  let closed = false;
  const consumers = new Set<Consumption>();

  const sendLoop = async () => {
    while (queue.size > 0) {
      const batch = queue.take(maxBatch);
      const partitions = batch.map((item) => partitionFor(item.record.streamId));
      try {
        const metadata = await producer.send({
          topic,
          acks: -1,
          compression,
          // The record's timestamp is its server_ts, so a consumer can start from a time.
          messages: batch.map((item, i) => ({ key: item.record.streamId, value: encodeRecord(item.record), partition: partitions[i]!, timestamp: String(item.record.serverTs) })),
        });
        const nextOffset = new Map(metadata.map((m) => [m.partition, Number(m.baseOffset)]));
        batch.forEach((item, i) => {
          const partition = partitions[i]!;
          const seq = nextOffset.get(partition)!;
          nextOffset.set(partition, seq + 1);
          const { clientTs: _clientTs, meta: _meta, ...comment } = item.record;
          item.resolve({ ...comment, seq });
        });
      } catch (error) {
        logger.error("kafka produce failed", { err: error, count: batch.length });
        const failure = logUnavailable(error);
        for (const item of batch) item.reject(failure);
      }
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
      await sending; // appends already accepted into the queue are sent before the log closes
      await Promise.all([...consumers].map((c) => c.stop()));
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
