import type cassandra from "cassandra-driver";
import { connectCassandra } from "../ports/cassandra/connect-cassandra.js";
import { engineAddress } from "./engines.js";

/** The keyspace the tests use; tests keep apart by unique stream ids. */
export const TEST_KEYSPACE = "livecomments_test";

/** A client of the Cassandra that `npm test` started, on the test keyspace (or another). */
export function testCassandra(keyspace = TEST_KEYSPACE): Promise<cassandra.Client> {
  return connectCassandra({
    contactPoints: engineAddress("LC_CASSANDRA_CONTACT_POINTS").split(","),
    localDataCenter: engineAddress("LC_CASSANDRA_DC"),
    keyspace,
  });
}
