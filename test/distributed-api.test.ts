import { apiSuite } from "./api-suite.js";
import { startDistributedSystem } from "../harness/distributed-system.js";

apiSuite("distributed: ingest, relay, edge and archive processes on Kafka, Redis and Cassandra", () => startDistributedSystem());
