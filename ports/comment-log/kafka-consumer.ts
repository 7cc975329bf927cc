import type { Admin, Consumer, Kafka } from "kafkajs";
import type { LogEvent } from "../../core/log-event.js";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { BatchHandler, ConsumeOptions, Consumption } from "./index.js";
import { decodeKafkaValue } from "./kafka-record.js";

/** How long a consumption waits for its group to form before failing. */
const GROUP_JOIN_TIMEOUT_MS = 30_000;
/** Pause before a consumer retries a batch its handler rejected. */
const CONSUMER_RETRY_MS = 200;

/** The topic a {@link startKafkaConsumption} reads. */
export interface KafkaTopic {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topic: string;
  readonly partitionFor: (streamId: string) => number;
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
  const { from } = options;
  const startAt =
    from === "earliest"
      ? undefined
      : new Map(
          (from === "latest" ? await admin.fetchTopicOffsets(topic) : await admin.fetchTopicOffsetsByTimestamp(topic, from.since)).map((p) => [
            p.partition,
            p.offset,
          ]),
        );
  let stopped = false;
  /** Next offset to read per partition, as far as this consumer has handled the log. */
  const positions = new Map<number, string>();
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
        const events: LogEvent[] = [];
        for (const message of batch.messages) {
          const event = decodeKafkaValue(message.value, Number(message.offset));
          if (event) events.push(event);
          else logger.warn("skipping a log message that is not a record this version can read", { partition: batch.partition, offset: message.offset });
        }
        for (;;) {
          if (stopped || !isRunning() || isStale()) return;
          try {
            if (events.length > 0) await handler(events);
            break;
          } catch (error) {
            logger.warn("log consumer handler failed; retrying the batch", { group: options.group, err: error });
            await new Promise((resolve) => setTimeout(resolve, CONSUMER_RETRY_MS));
            await heartbeat();
          }
        }
        const next = String(Number(batch.lastOffset()) + 1);
        positions.set(batch.partition, next);
        if (options.commit) await current.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
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
  return {
    coversAfter(streamId) {
      if (!startAt) return -1; // from the earliest offset: everything is seen
      const offset = startAt.get(source.partitionFor(streamId));
      return offset === undefined ? undefined : Number(offset) - 1;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect();
    },
  };
}
