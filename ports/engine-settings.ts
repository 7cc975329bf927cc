import { LcError } from "../core/errors.js";
import { choiceSetting, fileSetting, integerSetting, listSetting, switchSetting, textSetting } from "../core/settings.js";
import type { SettingRole, SettingValues } from "../core/settings.js";
import { DEFAULT_BUCKET_MS } from "./archive-store/cassandra.js";
import type { KeyspaceReplication } from "./cassandra/connect-cassandra.js";
import { DEFAULT_FETCH_LINGER_MS, DEFAULT_KAFKA_PARTITIONS, DEFAULT_KAFKA_TOPIC } from "./comment-log/kafka.js";

const KAFKA_READERS: readonly SettingRole[] = ["ingest", "relay", "archive"];
const REDIS_READERS: readonly SettingRole[] = ["ingest", "relay", "edge"];
const CASSANDRA_READERS: readonly SettingRole[] = ["ingest", "edge", "archive"];
const EDGE: readonly SettingRole[] = ["edge"];

/** A URL as it may be shown: without its password. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(a malformed URL)";
  }
}

/** Where the distributed mode finds Kafka, Redis, Cassandra and the relay. */
export const ENGINE_SETTINGS = {
  kafkaBrokers: listSetting({ variable: "LC_KAFKA_BROKERS", fallback: ["127.0.0.1:9092"], description: "comma-separated brokers", roles: KAFKA_READERS }),
  kafkaTopic: textSetting({
    variable: "LC_KAFKA_TOPIC",
    fallback: DEFAULT_KAFKA_TOPIC,
    pattern: /^[a-zA-Z0-9._-]{1,200}$/,
    description: "the log's topic",
    roles: KAFKA_READERS,
  }),
  kafkaPartitions: integerSetting({
    variable: "LC_KAFKA_PARTITIONS",
    fallback: DEFAULT_KAFKA_PARTITIONS,
    min: 1,
    max: 10_000,
    description: "partitions of the topic, when a role creates it",
    roles: KAFKA_READERS,
  }),
  kafkaReplicationFactor: integerSetting({
    variable: "LC_KAFKA_REPLICATION_FACTOR",
    fallback: 1,
    min: 1,
    max: 10,
    description: "replicas of the topic, when a role creates it",
    roles: KAFKA_READERS,
  }),
  kafkaCompression: choiceSetting({
    variable: "LC_KAFKA_COMPRESSION",
    fallback: "none",
    choices: ["none", "gzip"],
    description: "`gzip` compresses each produce request",
    roles: ["ingest"],
  }),
  kafkaFetchLingerMs: integerSetting({
    variable: "LC_KAFKA_FETCH_LINGER_MS",
    fallback: DEFAULT_FETCH_LINGER_MS,
    min: 0,
    max: 1_000,
    unit: "ms",
    description:
      "how long a consumer's fetch after one that brought records waits to gather more (the relay, and a firehose call's reader): fewer fetches on a busy topic, at most this much more latency",
    roles: ["relay"],
  }),
  kafkaTls: switchSetting({ variable: "LC_KAFKA_TLS", fallback: false, description: "TLS to the brokers (a CA file turns it on too)", roles: KAFKA_READERS }),
  kafkaTlsCaFile: fileSetting({
    variable: "LC_KAFKA_TLS_CA_FILE",
    defaultText: "unset (the system's CAs)",
    description: "PEM CA bundle the brokers' certificates are verified against",
    roles: KAFKA_READERS,
  }),
  kafkaSaslMechanism: textSetting({
    variable: "LC_KAFKA_SASL_MECHANISM",
    fallback: undefined,
    pattern: /^(plain|scram-sha-256|scram-sha-512)$/,
    description: "`scram-sha-512`, `scram-sha-256` or `plain`; with TLS this is SASL_SSL",
    roles: KAFKA_READERS,
  }),
  kafkaSaslUsername: textSetting({ variable: "LC_KAFKA_SASL_USERNAME", fallback: undefined, description: "the SASL login's user", roles: KAFKA_READERS }),
  kafkaSaslPassword: textSetting({
    variable: "LC_KAFKA_SASL_PASSWORD",
    fallback: undefined,
    secret: true,
    description: "the SASL login's password",
    roles: KAFKA_READERS,
  }),
  redisUrl: textSetting({
    variable: "LC_REDIS_URL",
    fallback: "redis://127.0.0.1:6379",
    pattern: /^rediss?:\/\/\S+$/,
    secret: true,
    shown: withoutCredentials,
    description:
      "Redis; `rediss://user:password@host:port` for TLS and an ACL user (shown without its password). The relay and edges use it for Pub/Sub and viewer counts",
    roles: REDIS_READERS,
  }),
  redisTlsCaFile: fileSetting({
    variable: "LC_REDIS_TLS_CA_FILE",
    defaultText: "unset (the system's CAs)",
    description: "PEM CA bundle for a `rediss://` Redis",
    roles: REDIS_READERS,
  }),
  redisKeyPrefix: textSetting({
    variable: "LC_REDIS_KEY_PREFIX",
    fallback: "lc:",
    pattern: /^[a-zA-Z0-9:_-]{0,64}$/,
    description: "prefix of every key this deployment writes (rate limits, idempotency, bans, viewer counts)",
    roles: REDIS_READERS,
  }),
  cassandraContactPoints: listSetting({
    variable: "LC_CASSANDRA_CONTACT_POINTS",
    fallback: ["127.0.0.1:9042"],
    description: "comma-separated `host:port`",
    roles: CASSANDRA_READERS,
  }),
  cassandraDataCenter: textSetting({ variable: "LC_CASSANDRA_DC", fallback: "datacenter1", description: "local data centre", roles: CASSANDRA_READERS }),
  cassandraKeyspace: textSetting({
    variable: "LC_CASSANDRA_KEYSPACE",
    fallback: "livecomments",
    pattern: /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/,
    description: "created when missing",
    roles: CASSANDRA_READERS,
  }),
  cassandraReplicationFactor: integerSetting({
    variable: "LC_CASSANDRA_REPLICATION_FACTOR",
    fallback: 1,
    min: 1,
    max: 10,
    description: "SimpleStrategy replicas of a keyspace a role creates",
    roles: CASSANDRA_READERS,
  }),
  cassandraReplicationPerDataCenter: textSetting({
    variable: "LC_CASSANDRA_REPLICATION",
    fallback: undefined,
    description:
      "`datacenter1:3,dc2:3`: a keyspace a role creates uses NetworkTopologyStrategy with these replicas per data centre (what production clusters use); wins over the factor",
    roles: CASSANDRA_READERS,
  }),
  cassandraUsername: textSetting({
    variable: "LC_CASSANDRA_USERNAME",
    fallback: undefined,
    description: "a PasswordAuthenticator login's user",
    roles: CASSANDRA_READERS,
  }),
  cassandraPassword: textSetting({
    variable: "LC_CASSANDRA_PASSWORD",
    fallback: undefined,
    secret: true,
    description: "a PasswordAuthenticator login's password",
    roles: CASSANDRA_READERS,
  }),
  cassandraTls: switchSetting({
    variable: "LC_CASSANDRA_TLS",
    fallback: false,
    description: "client TLS to the nodes (a CA file turns it on too)",
    roles: CASSANDRA_READERS,
  }),
  cassandraTlsCaFile: fileSetting({
    variable: "LC_CASSANDRA_TLS_CA_FILE",
    defaultText: "unset (the system's CAs)",
    description: "PEM CA bundle the nodes' certificates are verified against",
    roles: CASSANDRA_READERS,
  }),
  archiveBucketMs: integerSetting({
    variable: "LC_ARCHIVE_BUCKET_MS",
    fallback: DEFAULT_BUCKET_MS,
    min: 1_000,
    max: 24 * 60 * 60 * 1000,
    unit: "ms",
    description: "width of the archive's Cassandra partitions; fixed when the keyspace is first used",
    roles: ["ingest", "archive"],
  }),
  relayAddress: textSetting({
    variable: "LC_RELAY_ADDRESS",
    fallback: "127.0.0.1:50052",
    description:
      "the relay's gRPC address, or several as `ipv4:host:port,host:port` (the edge uses the first that answers and moves to the next when it goes silent); `livecomments tail` reads it too",
    roles: EDGE,
  }),
  relayTlsCaFile: fileSetting({
    variable: "LC_RELAY_TLS_CA_FILE",
    defaultText: "unset (plaintext)",
    description: "dial the relay over TLS, verifying it against this PEM CA bundle",
    roles: EDGE,
  }),
  relayTlsCertFile: fileSetting({ variable: "LC_RELAY_TLS_CERT_FILE", description: "client certificate for a relay that verifies its clients", roles: EDGE }),
  relayTlsKeyFile: fileSetting({ variable: "LC_RELAY_TLS_KEY_FILE", description: "the key of `LC_RELAY_TLS_CERT_FILE`", roles: EDGE }),
  relayToken: textSetting({
    variable: "LC_RELAY_TOKEN",
    fallback: undefined,
    secret: true,
    defaultText: "signed with `LC_JWT_SECRET`",
    description: "the bearer token presented to the relay (scope `relay:subscribe`); needed when the deployment verifies only JWKS tokens",
    roles: EDGE,
  }),
  edgeUpstream: choiceSetting({
    variable: "LC_EDGE_UPSTREAM",
    fallback: "relay",
    choices: ["relay", "redis"],
    description: "where an edge takes live comments from: `relay` (gRPC) or `redis` (Pub/Sub)",
    roles: EDGE,
  }),
  relayPublishesToRedis: switchSetting({
    variable: "LC_RELAY_PUBLISH_REDIS",
    fallback: false,
    description: "`on` publishes every comment to Redis Pub/Sub `comments:<stream_id>`, for edges with `LC_EDGE_UPSTREAM=redis`",
    roles: ["relay"],
  }),
} as const;

export type EngineSettings = SettingValues<typeof ENGINE_SETTINGS>;

/** The SASL login the settings describe, if any; refuses half a login. */
export function kafkaSaslOf(
  settings: EngineSettings,
): { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string } | undefined {
  const { kafkaSaslMechanism: mechanism, kafkaSaslUsername: username, kafkaSaslPassword: password } = settings;
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined)
      throw new LcError("invalid_argument", "LC_KAFKA_SASL_USERNAME and _PASSWORD need LC_KAFKA_SASL_MECHANISM");
    return undefined;
  }
  if (username === undefined || password === undefined)
    throw new LcError("invalid_argument", "LC_KAFKA_SASL_MECHANISM needs LC_KAFKA_SASL_USERNAME and LC_KAFKA_SASL_PASSWORD");
  return { mechanism: mechanism as "plain" | "scram-sha-256" | "scram-sha-512", username, password };
}

/** How a keyspace a role creates is replicated: per data centre when given, else by the factor. */
export function keyspaceReplicationOf(settings: EngineSettings): KeyspaceReplication {
  const perDataCenter = settings.cassandraReplicationPerDataCenter;
  if (perDataCenter === undefined) return { class: "SimpleStrategy", replicationFactor: settings.cassandraReplicationFactor };
  const dataCenters: Record<string, number> = {};
  for (const entry of perDataCenter.split(",").map((part) => part.trim())) {
    const match = /^([A-Za-z0-9_.-]{1,64}):(\d{1,2})$/.exec(entry);
    if (!match || Number(match[2]) < 1)
      throw new LcError("invalid_argument", `LC_CASSANDRA_REPLICATION must be data centre:replicas pairs, as datacenter1:3,dc2:3; got "${perDataCenter}"`);
    dataCenters[match[1]!] = Number(match[2]);
  }
  return { class: "NetworkTopologyStrategy", dataCenters };
}

/** Refuses a Cassandra login given by half. */
export function checkCassandraLogin(settings: EngineSettings): void {
  if ((settings.cassandraUsername === undefined) !== (settings.cassandraPassword === undefined))
    throw new LcError("invalid_argument", "LC_CASSANDRA_USERNAME and LC_CASSANDRA_PASSWORD go together");
}
