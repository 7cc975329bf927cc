// The distributed mode on engines that demand TLS and credentials, as managed Kafka, Redis and
// Cassandra do: Kafka over SASL_SSL (SCRAM-SHA-512, and PLAIN), Redis over TLS with an ACL user,
// Cassandra with PasswordAuthenticator, client TLS, a local data centre and
// NetworkTopologyStrategy. A wrong password stops a role at start, naming the engine.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import cassandra from "cassandra-driver";
import { afterAll, beforeAll, describe, it } from "vitest";
import { testComment } from "../core/comment-fixtures.js";
import { commentEntry } from "../core/log-event.js";
import { createKafkaCommentLog } from "../ports/comment-log/kafka.js";
import { makeTestCertificates } from "../harness/certificates.js";
import { READY, deploymentEnv, startDistributedSystem } from "../harness/distributed-system.js";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { uniqueName } from "../harness/engines.js";
import { ApiClient } from "../harness/http-client.js";
import { startRole } from "../harness/role-process.js";
import { ENGINE_USER, KAFKA_PLAIN_USER, startSecuredEngines } from "../harness/secured-engines.js";
import type { SecuredEngines } from "../harness/secured-engines.js";

const certs = makeTestCertificates();
let engines: SecuredEngines;
/** The roles' environment for the secured engines, with `password` as every engine's. */
let engineEnv: (password?: string) => Record<string, string>;
const keyspace = uniqueName("secured");

beforeAll(async () => {
  engines = await startSecuredEngines(certs);
  engineEnv = (password = ENGINE_USER.password) => ({
    LC_KAFKA_BROKERS: engines.kafkaBrokers,
    LC_KAFKA_TLS_CA_FILE: certs.caFile,
    LC_KAFKA_SASL_MECHANISM: "scram-sha-512",
    LC_KAFKA_SASL_USERNAME: ENGINE_USER.name,
    LC_KAFKA_SASL_PASSWORD: password,
    LC_REDIS_URL: engines.redisUrl.replace("rediss://", `rediss://${ENGINE_USER.name}:${encodeURIComponent(password)}@`),
    LC_REDIS_TLS_CA_FILE: certs.caFile,
    LC_CASSANDRA_CONTACT_POINTS: engines.cassandraContactPoints,
    LC_CASSANDRA_DC: "datacenter1",
    LC_CASSANDRA_USERNAME: ENGINE_USER.name,
    LC_CASSANDRA_PASSWORD: password,
    LC_CASSANDRA_TLS_CA_FILE: certs.caFile,
    LC_CASSANDRA_REPLICATION: "datacenter1:1",
    LC_CASSANDRA_KEYSPACE: keyspace,
  });
}, 300_000);
afterAll(async () => {
  await engines?.stop();
  certs.dispose();
});

describe("the distributed mode on secured engines", () => {
  let system: DistributedSystem;
  beforeAll(async () => {
    system = await startDistributedSystem(engineEnv());
  });
  afterAll(() => system?.stop());

  it("should post, deliver live and replay through Kafka (SASL_SSL), Redis (TLS, ACL) and Cassandra (TLS, password)", async () => {
    const api = new ApiClient(system.http, system.jwtSecret);
    const streamId = await api.createStream();
    const polling = api.request("GET", `/v1/streams/${streamId}/comments/poll?timeout_ms=10000`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await api.post(streamId, "alice", "through secured engines");
    const polled = await polling;
    assert.equal(polled.status, 200, polled.text);
    assert.deepEqual(
      (polled.json.comments as { text: string }[]).map((comment) => comment.text),
      ["through secured engines"],
    );
    const archived = await api.waitForArchive(streamId, 1);
    assert.equal(archived[0]!.text, "through secured engines");
    // Rate limits went through Redis: past the per-user burst the next post is refused.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await api.request("POST", `/v1/streams/${streamId}/comments`, { token: await api.token("bob"), json: { text: `n${i}` } })).status);
    assert.ok(statuses.includes(429), `the per-user limit held: ${statuses.join(",")}`);
  });

  it("should create its keyspace with NetworkTopologyStrategy in the local data centre", async () => {
    const client = new cassandra.Client({
      contactPoints: [engines.cassandraContactPoints],
      localDataCenter: "datacenter1",
      authProvider: new cassandra.auth.PlainTextAuthProvider(ENGINE_USER.name, ENGINE_USER.password),
      sslOptions: { ca: [readFileSync(certs.caFile)], host: "127.0.0.1" },
    });
    try {
      await client.connect();
      const row = (await client.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", [keyspace])).first();
      assert.deepEqual(row.replication, { class: "org.apache.cassandra.locator.NetworkTopologyStrategy", datacenter1: "1" });
    } finally {
      await client.shutdown();
    }
  });
});

it("should log in to Kafka with SASL/PLAIN over TLS too", async () => {
  const log = await createKafkaCommentLog({
    brokers: [engines.kafkaBrokers],
    clientId: "plain-test",
    topic: uniqueName("plain"),
    partitions: 1,
    tls: { ca: readFileSync(certs.caFile) },
    sasl: { mechanism: "plain", username: KAFKA_PLAIN_USER.name, password: KAFKA_PLAIN_USER.password },
  });
  try {
    const { seq: _seq, ...record } = testComment(1, "plain-stream");
    const { seq } = await log.append(commentEntry({ ...record, serverTs: Date.now() }));
    assert.equal(seq, 0, "the first record of a new topic's partition");
  } finally {
    await log.close();
  }
});

it("should stop a role at start with a clear message naming the engine whose password is wrong", async () => {
  const env = { ...deploymentEnv("jwt-secret"), ...engineEnv() };
  const wrong = "not-the-password";
  const cases: [string, Record<string, string>, RegExp][] = [
    ["relay", { LC_KAFKA_SASL_PASSWORD: wrong }, /Kafka at 127\.0\.0\.1:\d+: .*(SASL|[Aa]uthentication)/],
    ["ingest", { LC_REDIS_URL: engineEnv(wrong).LC_REDIS_URL! }, /Redis at rediss:\/\/livecomments:\*\*\*@127\.0\.0\.1:\d+\/?: .*WRONGPASS/],
    ["archive", { LC_CASSANDRA_PASSWORD: wrong }, /Cassandra at 127\.0\.0\.1:\d+: .*([Aa]uthentication|[Pp]rovided username)/],
  ];
  for (const [role, change, message] of cases) {
    const started = Date.now();
    const failure = await startRole(role, { ...env, ...change }, READY[role as keyof typeof READY]).then(
      async (process) => {
        await process.stop();
        return undefined;
      },
      (error: unknown) => String(error),
    );
    assert.ok(failure, `${role} started with a wrong password`);
    assert.match(failure, message, failure);
    assert.ok(!failure.includes(wrong), "the password is never printed");
    assert.ok(Date.now() - started < 45_000, `${role} took ${Date.now() - started} ms to give up`);
  }
});
