import type { Admin, Consumer, Kafka } from "kafkajs";
import type { LogEvent } from "../../core/log-event.js";
import { withTraceParent } from "../../core/log-event.js";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { BatchHandler, ConsumeOptions, Consumption } from "./index.js";
import { decodeKafkaValue, traceParentOf } from "./kafka-record.js";
import { lingerBetweenFetches } from "./kafkajs-fetch-linger.js";

/** How long a consumption waits for its group to form before failing. */
const GROUP_JOIN_TIMEOUT_MS = 30_000;
/** Pause before a consumer retries a batch its handler rejected. */
const CONSUMER_RETRY_MS = 200;
/** How often a member heartbeats while its handler works on a batch (the session timeout is 10 s). */
const HEARTBEAT_WHILE_HANDLING_MS = 3_000;

/** The topic a {@link startKafkaConsumption} reads. */
export interface KafkaTopic {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topic: string;
  readonly partitionFor: (streamId: string) => number;
  /** How long a fetch after one that brought records waits, to gather more (0: not at all). */
  readonly fetchLingerMs: number;
  readonly logger: Logger;
}

/**
 * Contract: hands the handler every record of the topic from `from` on, in order per
 * partition, each batch until the handler accepts it (a rejected batch is retried, never
 * skipped); a committing group resumes from its commits, a non-committing one from where this
 * consumption found the log or, after a rebalance, from where it was.
 *
 * Restart rules: kafkajs restarts a consumer after retriable failures only; after any other
 * one (seen after the broker was paused) it would stay stopped for good, so a crashed consumer
 * is replaced by a new member of the same group, with a growing pause, until `stop`.
 */
export async function startKafkaConsumption(source: KafkaTopic, options: ConsumeOptions, handler: BatchHandler): Promise<Consumption> {
  const { kafka, admin, topic, logger } = source;
  // A latest consumer starts from the end offsets as they are now, so nothing appended after
  // consume() resolves can slip past it.
  const { startAt, skipped } = await startOffsets(admin, topic, options.from);
  let stopped = false;
  /** Next offset to read per partition: where it started, then as far as it has handled the log. */
  const positions = new Map<number, number>(startAt ?? []);
  let consumer: Consumer;

  /** Starts a member of the group; resolves once it joined. */
  const startConsumer = async (): Promise<void> => {
    const current: Consumer = kafka.consumer({
      groupId: options.group,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      // A member that died is noticed after 10 s, so a restarted archive takes over its
      // partitions quickly (the broker's minimum is 6 s).
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    consumer = current;
    current.on(current.events.CRASH, (event) => {
      if (event.payload.restart || stopped || consumer !== current) return;
      logger.error("log consumer stopped; starting a new one", { group: options.group, err: event.payload.error });
      void (async () => {
        await current.disconnect().catch(() => {});
        for (let attempt = 1; !stopped; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * attempt)));
          if (stopped) return;
          try {
            await startConsumer();
            return;
          } catch (error) {
            logger.error("could not start a new log consumer; trying again", { group: options.group, err: error });
            await consumer.disconnect().catch(() => {});
          }
        }
      })();
    });
    await current.connect();
    await current.subscribe({ topic, fromBeginning: options.from === "earliest" });
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LcError("log_unavailable", `consumer group ${options.group} did not form in time`)), GROUP_JOIN_TIMEOUT_MS);
      current.on(current.events.GROUP_JOIN, (event) => {
        clearTimeout(timer);
        // A group that does not commit starts where consume() found the log's end, and after
        // a rebalance goes on where it was: otherwise Kafka would reset it to the end and
        // silently skip what came in between. Committing groups resume from their commits.
        if (!options.commit) {
          for (const partition of event.payload.memberAssignment[topic] ?? []) {
            const offset = positions.get(partition);
            if (offset !== undefined) current.seek({ topic, partition, offset: String(offset) });
          }
        }
        resolve();
      });
    });
    await current.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        const events: LogEvent[] = [];
        for (const message of batch.messages) {
          const event = decodeKafkaValue(message.value, Number(message.offset));
          if (event) events.push(withTraceParent(event, traceParentOf(message.headers)));
          else logger.warn("skipping a log message that is not a record this version can read", { partition: batch.partition, offset: message.offset });
        }
        const next = Number(batch.lastOffset()) + 1;
        const after = new Map(positions).set(batch.partition, next);
        for (;;) {
          if (stopped || !isRunning() || isStale()) return;
          // A handler may wait long (a firehose subscriber that does not read): the member
          // keeps heartbeating meanwhile, so the group does not drop it after the session timeout.
          const beating = setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_WHILE_HANDLING_MS);
          try {
            if (events.length > 0) await handler(events, after);
            break;
          } catch (error) {
            logger.warn("log consumer handler failed; retrying the batch", { group: options.group, err: error });
            await new Promise((resolve) => setTimeout(resolve, CONSUMER_RETRY_MS));
            await heartbeat();
          } finally {
            clearInterval(beating);
          }
        }
        positions.set(batch.partition, next);
        if (options.commit) await current.commitOffsets([{ topic, partition: batch.partition, offset: String(next) }]);
      },
    });
    try {
      await joined;
    } catch (error) {
      await current.disconnect();
      throw error;
    }
  };

  const removeLinger = lingerBetweenFetches(options.group, source.fetchLingerMs);
  try {
    await startConsumer();
  } catch (error) {
    removeLinger();
    throw error;
  }
  return {
    coversAfter(streamId) {
      if (!startAt) return -1; // from the earliest offset: everything is seen
      const offset = startAt.get(source.partitionFor(streamId));
      return offset === undefined ? undefined : offset - 1;
    },
    start: startAt ?? new Map(),
    skipped,
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect();
      removeLinger();
    },
  };
}

/**
 * Where a consumption starts in each partition (undefined: at the beginning, as Kafka's
 * `fromBeginning` does), and how many records a position older than the log skips.
 */
async function startOffsets(admin: Admin, topic: string, from: ConsumeOptions["from"]): Promise<{ startAt: Map<number, number> | undefined; skipped: number }> {
  if (from === "earliest") return { startAt: undefined, skipped: 0 };
  if (from === "latest") return { startAt: new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.offset)])), skipped: 0 };
  if ("since" in from)
    return { startAt: new Map((await admin.fetchTopicOffsetsByTimestamp(topic, from.since)).map((p) => [p.partition, Number(p.offset)])), skipped: 0 };
  const offsets = await admin.fetchTopicOffsets(topic);
  if ([...from.at.keys()].some((partition) => !offsets.some((p) => p.partition === partition))) {
    throw new LcError("invalid_argument", "the position names a partition this topic does not have");
  }
  const startAt = new Map<number, number>();
  let skipped = 0;
  for (const { partition, low, high } of offsets) {
    const wanted = from.at.get(partition) ?? Number(low);
    if (wanted > Number(high)) throw new LcError("invalid_argument", "the position is ahead of the log");
    // Retention removed what lies before the low watermark: counted, then read from there.
    skipped += Math.max(0, Number(low) - wanted);
    startAt.set(partition, Math.max(wanted, Number(low)));
  }
  return { startAt, skipped };
}
