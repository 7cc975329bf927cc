import { engineAddress, uniqueName } from "../../harness/engines.js";
import { commentLogContract } from "./contract.js";
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
