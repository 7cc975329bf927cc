import type { Admin, ITopicConfig, SASLOptions } from "kafkajs";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { CommentLog, ConsumerLag, Consumption } from "./index.js";
import { startKafkaConsumption } from "./kafka-consumer.js";
import { startKafkaAppends } from "./kafka-producer.js";
import { applyKafkajsIdleFix } from "./kafkajs-idle-fix.js";
import { applyKafkajsTimeoutDisconnect } from "./kafkajs-timeout-disconnect.js";

applyKafkajsIdleFix();
applyKafkajsTimeoutDisconnect();

/** Defaults of {@link KafkaCommentLogOptions}. */
export const DEFAULT_KAFKA_TOPIC = "comments";
export const DEFAULT_KAFKA_PARTITIONS = 12;
export const DEFAULT_MAX_PRODUCE_BATCH = 1_000;
export const DEFAULT_MAX_PENDING_APPENDS = 10_000;
export const DEFAULT_FETCH_LINGER_MS = 0;
/**
 * Longest a request to a broker waits for its answer (a fetch waits this beyond its own wait)
 * before its connection is taken for dead and replaced; a broker answers a healthy request in
 * milliseconds (docs/operating.md, "Partitions").
 */
export const KAFKA_REQUEST_TIMEOUT_MS = 3_000;
/** Longest a new connection to a broker may take. */
export const KAFKA_CONNECTION_TIMEOUT_MS = 2_000;
/** Longest a new topic may take until every partition's leader serves it. */
const TOPIC_READY_TIMEOUT_MS = 30_000;

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
  /**
   * How long a consumer's fetch after one that brought records waits to gather more: fewer
   * requests for the consumers and the brokers on a busy topic, at most this much latency.
   */
  readonly fetchLingerMs?: number;
  /** TLS to the brokers, verified against `ca` (PEM), or the system's CAs when it is unset. */
  readonly tls?: { readonly ca?: Buffer };
  /** SASL login (over TLS: SASL_SSL). */
  readonly sasl?: { readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; readonly username: string; readonly password: string };
  readonly logger?: Logger;
}

/**
 * The distributed durable log on Kafka. The key is the stream id, so a stream lives in one
 * partition, and a comment's seq is its offset there. Appends go through the producer
 * (kafka-producer.ts: written once, in order, re-sent until answered), reads through consumer
 * group members (kafka-consumer.ts: restarted after any crash); this file creates the topic
 * and joins the two.
 */
export async function createKafkaCommentLog(options: KafkaCommentLogOptions): Promise<CommentLog & ConsumerLag> {
  const topic = options.topic ?? DEFAULT_KAFKA_TOPIC;
  const logger = options.logger ?? silentLogger;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    requestTimeout: KAFKA_REQUEST_TIMEOUT_MS,
    connectionTimeout: KAFKA_CONNECTION_TIMEOUT_MS,
    ...(options.tls ? { ssl: options.tls.ca ? { ca: [options.tls.ca] } : true } : {}),
    ...(options.sasl ? { sasl: options.sasl as SASLOptions } : {}),
  });

  const admin: Admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    // kafkajs says "Connection error" or names the SASL failure: say which engine it was.
    throw new LcError("unavailable", `Kafka at ${options.brokers.join(", ")}: ${(error as Error).message}`, { cause: error });
  }
  await createTopicAndWait(admin, { topic, numPartitions: options.partitions ?? DEFAULT_KAFKA_PARTITIONS, replicationFactor: options.replicationFactor ?? 1 });
  const partitionCount = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const partitionOf = Partitioners.DefaultPartitioner();
  const partitionFor = (streamId: string) => partitionOf({ topic, partitionMetadata, message: { key: streamId, value: null } });

  const appends = await startKafkaAppends({
    kafka,
    topic,
    partitionFor,
    compression: options.compression ?? "none",
    maxBatch: options.maxProduceBatch ?? DEFAULT_MAX_PRODUCE_BATCH,
    maxPending: options.maxPendingAppends ?? DEFAULT_MAX_PENDING_APPENDS,
    logger,
  });
  let closed = false;
  const consumers = new Set<Consumption>();

  return {
    id: `kafka:${topic}`,
    append: (record, options) => appends.append(record, options),

    async consume(consumeOptions, handler) {
      if (closed) throw new LcError("log_unavailable", "the comment log is closed");
      const consumption = await startKafkaConsumption(
        { kafka, admin, topic, partitionFor, fetchLingerMs: options.fetchLingerMs ?? DEFAULT_FETCH_LINGER_MS, logger },
        consumeOptions,
        handler,
      );
      consumers.add(consumption);
      return {
        coversAfter: (streamId) => consumption.coversAfter(streamId),
        start: consumption.start,
        skipped: consumption.skipped,
        stop() {
          consumers.delete(consumption);
          return consumption.stop();
        },
      };
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
      await appends.close(); // appends already accepted are sent before the log closes
      await Promise.all([...consumers].map((c) => c.stop()));
      await admin.disconnect();
    },
  };
}

/**
 * Creates the topic unless it exists, and waits until the leader of every partition answers
 * for it. In a cluster of several brokers, a topic just made has leaders before every broker
 * knows them: kafkajs's own wait for leaders then fails on "This server does not host this
 * topic-partition", which is retriable, so the whole step is tried again until the deadline.
 */
async function createTopicAndWait(admin: Admin, topic: ITopicConfig): Promise<void> {
  const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
  for (;;) {
    try {
      // The broker answers within `timeout`, before the request's own timeout closes the connection.
      await admin.createTopics({ topics: [topic], waitForLeaders: true, timeout: KAFKA_REQUEST_TIMEOUT_MS - 500 });
      await admin.fetchTopicOffsets(topic.topic);
      return;
    } catch (error) {
      // kafkajs gives up on its own retries with a non-retriable wrapper around the cause.
      const cause = error as { retriable?: boolean; name?: string; originalError?: { retriable?: boolean } };
      const retriable = cause.retriable === true || (cause.name === "KafkaJSNumberOfRetriesExceeded" && cause.originalError?.retriable === true);
      if (!retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
