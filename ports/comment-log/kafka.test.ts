import assert from "node:assert/strict";
import { test } from "vitest";
import { engineAddress, uniqueName } from "../../harness/engines.js";
import { commentLogContract, record } from "./contract.js";
import { appendComment } from "./index.js";
import { createKafkaCommentLog } from "./kafka.js";

// Runs against the broker scripts/engines.mjs starts (Kafka 3.9.1 unless one was already up),
// which is what proves kafkajs 2.2.4 works with it.
commentLogContract(
  `kafka ${process.env.LC_KAFKA_VERSION ?? ""} comment log (kafkajs)`.replace("  ", " "),
  async () => {
    const topic = uniqueName("comments");
    return {
      open: () => createKafkaCommentLog({ brokers: engineAddress("LC_KAFKA_BROKERS").split(","), clientId: "contract-test", topic, partitions: 3 }),
      async dispose() {},
    };
  },
  { history: false },
);

test("kafka comment log: should gather what arrives during a fetch linger into fewer, larger batches, every record in order", async () => {
  const open = (fetchLingerMs: number) =>
    createKafkaCommentLog({
      brokers: engineAddress("LC_KAFKA_BROKERS").split(","),
      clientId: "linger-test",
      topic: uniqueName("linger"),
      partitions: 1,
      fetchLingerMs,
    });
  /** Appends one comment every 10 ms for a second to a single partition; answers the batches the consumer got. */
  const batchesOver = async (fetchLingerMs: number) => {
    const log = await open(fetchLingerMs);
    try {
      const sizes: number[] = [];
      const seqs: number[] = [];
      const consumption = await log.consume({ group: uniqueName("linger"), from: "latest", commit: false }, (batch) => {
        sizes.push(batch.length);
        seqs.push(...batch.map((event) => event.seq));
      });
      const started = Date.now();
      for (let i = 0; i < 100; i++) {
        await appendComment(log, record("lingering"));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (const deadline = Date.now() + 5_000; seqs.length < 100 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
      const elapsedMs = Date.now() - started;
      await consumption.stop();
      assert.equal(seqs.length, 100, "every record");
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );
      return { batches: sizes.length, elapsedMs };
    } finally {
      await log.close();
    }
  };
  const without = await batchesOver(0);
  const lingering = await batchesOver(250);
  process.stderr.write(`fetch linger: 100 records in ${without.batches} batches without a linger, ${lingering.batches} with 250 ms\n`);
  // A 250 ms linger allows at most one fetch with records per 250 ms (one partition: a batch per fetch).
  assert.ok(lingering.batches <= Math.ceil(lingering.elapsedMs / 250) + 1, `${lingering.batches} batches in ${lingering.elapsedMs} ms with a 250 ms linger`);
  assert.ok(without.batches > 2 * lingering.batches, `${without.batches} batches without a linger, ${lingering.batches} with`);
});
