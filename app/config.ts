import { createHmac } from "node:crypto";
import { resolve } from "node:path";
import { FETCH_LINGER_MS, SETTLE_MS, LAG_POLL_MS } from "../archive/defaults.js";
import { DEFAULT_JWKS_COOLDOWN_MS, createJwtAuthenticator } from "../core/auth/authenticator.js";
import type { Authenticator } from "../core/auth/authenticator.js";
import { LcError } from "../core/errors.js";
import { TrustedProxies } from "../core/http/client-address.js";
import { CorsPolicy } from "../core/http/cors.js";
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from "../core/http/read-json-body.js";
import {
  DEFAULT_BATCH_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_VIEWER_BUFFER_BYTES,
  DEFAULT_MAX_VIEWERS,
  DEFAULT_MAX_VIEWERS_PER_IP,
  DEFAULT_VIEWER_COUNT_INTERVAL_MS,
  DEFAULT_VIEWER_MAX_RATE,
  MAX_VIEWER_MAX_RATE,
} from "../edge/defaults.js";
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS } from "../host/http-server.js";
import type { HostConfig } from "../host/role-host.js";
import type { CommentInputLimits } from "../ingest/comment-input.js";
import { DEFAULT_APPEND_TIMEOUT_MS, DEFAULT_COMMENT_INPUT_LIMITS, DEFAULT_IDEMPOTENCY_TTL_MS, DEFAULT_RATE_LIMIT_RULES } from "../ingest/defaults.js";
import type { RateLimitRules } from "../ingest/rate-limits.js";
import { DEFAULT_BUCKET_MS } from "../ports/archive-store/cassandra.js";
import { DEFAULT_FETCH_LINGER_MS, DEFAULT_KAFKA_PARTITIONS, DEFAULT_KAFKA_TOPIC } from "../ports/comment-log/kafka.js";
import {
  DEFAULT_FIREHOSE_MAX_SUBSCRIBERS,
  DEFAULT_FIREHOSE_STALL_MS,
  DEFAULT_RELAY_WARMUP_MS,
  DEFAULT_RING_IDLE_MS,
  DEFAULT_RING_MAX_BYTES,
  DEFAULT_RING_MAX_COUNT,
  DEFAULT_RINGS_MAX_BYTES,
} from "../relay/defaults.js";
import { EnvReader } from "./env.js";
import type { KeyspaceReplication } from "../ports/cassandra/connect-cassandra.js";

/** What every role reads from the environment, in either mode: where it listens, and the rest. */
export interface ServerConfig extends HostConfig {
  /** HS256 secret; in the embedded mode undefined means a development secret in the data folder. */
  readonly jwtSecret: string | undefined;
  readonly jwtIssuer: string | undefined;
  readonly jwtAudience: string | undefined;
  /** Where RS256/ES256 keys are published; combines with jwtSecret. */
  readonly jwksUrl: string | undefined;
  readonly jwksCooldownMs: number;
  /** LC_JWT_REQUIRE_EXP: tokens without `exp` are refused unless this is off. */
  readonly jwtRequireExp: boolean;
  readonly rateLimits: RateLimitRules;
  readonly inputLimits: CommentInputLimits;
  readonly maxBodyBytes: number;
  /** PEM certificate chain and key: the HTTP port (HTTP/2 by ALPN, HTTP/1.1) and the gRPC port serve TLS. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** PEM CA bundle: clients must present a certificate it signed (both ports). */
  readonly tlsClientCaFile: string | undefined;
  readonly idempotencyTtlMs: number;
  readonly appendTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly defaultBatchMs: number;
  readonly ringMaxCount: number;
  readonly ringMaxBytes: number;
  readonly ringsMaxBytes: number;
  readonly ringIdleMs: number;
  /** How far back a relay on a log without history reads when it starts. */
  readonly relayWarmupMs: number;
  /** FanoutRelay.SubscribeAll: subscriptions at once, and how long a full one may go unread. */
  readonly firehoseMaxSubscribers: number;
  readonly firehoseStallMs: number;
  readonly viewerMaxRate: number;
  readonly archiveSettleMs: number;
  readonly archiveLagPollMs: number;
  /** The archive's wait between Kafka reads (its own, in place of LC_KAFKA_FETCH_LINGER_MS). */
  readonly archiveFetchLingerMs: number;
  readonly viewerCountIntervalMs: number;
  readonly maxViewers: number;
  readonly maxViewersPerIp: number;
  readonly maxViewerBufferBytes: number;
}

/** The embedded mode adds its data folder. */
export interface EmbeddedConfig extends ServerConfig {
  readonly dataDir: string;
}

/** Where the distributed mode finds its engines, and how the roles reach each other. */
export interface EngineConfig {
  readonly kafkaBrokers: readonly string[];
  readonly kafkaTopic: string;
  readonly kafkaPartitions: number;
  readonly kafkaReplicationFactor: number;
  readonly kafkaCompression: "none" | "gzip";
  /** How long a consumer's fetch after one that brought records waits to gather more. */
  readonly kafkaFetchLingerMs: number;
  /** Client TLS to the brokers (LC_KAFKA_TLS=on, or implied by a CA file). */
  readonly kafkaTls: boolean;
  readonly kafkaTlsCaFile: string | undefined;
  /** SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) login; over TLS this is SASL_SSL. */
  readonly kafkaSasl: { readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; readonly username: string; readonly password: string } | undefined;
  /** `redis://host:port`, or `rediss://user:password@host:port` for TLS and an ACL user. */
  readonly redisUrl: string;
  /** PEM CA bundle to verify a `rediss://` Redis; unset, the system's CAs. */
  readonly redisTlsCaFile: string | undefined;
  /** Prefix of every Redis key this deployment writes (rate limits, idempotency). */
  readonly redisKeyPrefix: string;
  readonly cassandraContactPoints: readonly string[];
  readonly cassandraDataCenter: string;
  readonly cassandraKeyspace: string;
  /** How a keyspace this deployment creates is replicated (LC_CASSANDRA_REPLICATION, else LC_CASSANDRA_REPLICATION_FACTOR). */
  readonly cassandraReplication: KeyspaceReplication;
  /** A PasswordAuthenticator login. */
  readonly cassandraUsername: string | undefined;
  readonly cassandraPassword: string | undefined;
  /** Client TLS to the nodes (LC_CASSANDRA_TLS=on, or implied by a CA file). */
  readonly cassandraTls: boolean;
  readonly cassandraTlsCaFile: string | undefined;
  readonly archiveBucketMs: number;
  /** The relay's gRPC address, for edges. */
  readonly relayAddress: string;
  /** PEM CA bundle to verify a relay serving TLS; unset, the relay is dialed in plaintext. */
  readonly relayTlsCaFile: string | undefined;
  /** A client certificate and key for a relay that verifies its clients. */
  readonly relayTlsCertFile: string | undefined;
  readonly relayTlsKeyFile: string | undefined;
  /** The token presented to the relay (scope relay:subscribe); unset, one is signed with LC_JWT_SECRET. */
  readonly relayToken: string | undefined;
  /** Where an edge takes live comments from. */
  readonly edgeUpstream: "relay" | "redis";
  /** Whether the relay also publishes to Redis Pub/Sub. */
  readonly relayPublishesToRedis: boolean;
}

/**
 * LC_CASSANDRA_REPLICATION (`datacenter1:3,dc2:3`: NetworkTopologyStrategy, replicas per data
 * centre), else SimpleStrategy with LC_CASSANDRA_REPLICATION_FACTOR.
 */
function cassandraReplication(read: EnvReader): KeyspaceReplication {
  const factor = read.integer("LC_CASSANDRA_REPLICATION_FACTOR", 1, 1, 10);
  const perDataCenter = read.string("LC_CASSANDRA_REPLICATION");
  if (perDataCenter === undefined) return { class: "SimpleStrategy", replicationFactor: factor };
  const dataCenters: Record<string, number> = {};
  for (const entry of perDataCenter.split(",").map((part) => part.trim())) {
    const match = /^([A-Za-z0-9_.-]{1,64}):(\d{1,2})$/.exec(entry);
    if (!match || Number(match[2]) < 1)
      throw new LcError("invalid_argument", `LC_CASSANDRA_REPLICATION must be data centre:replicas pairs, as datacenter1:3,dc2:3; got "${perDataCenter}"`);
    dataCenters[match[1]!] = Number(match[2]);
  }
  return { class: "NetworkTopologyStrategy", dataCenters };
}

function kafkaSasl(read: EnvReader): EngineConfig["kafkaSasl"] {
  const mechanism = read.string("LC_KAFKA_SASL_MECHANISM");
  const username = read.string("LC_KAFKA_SASL_USERNAME");
  const password = read.string("LC_KAFKA_SASL_PASSWORD");
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined)
      throw new LcError("invalid_argument", "LC_KAFKA_SASL_USERNAME and _PASSWORD need LC_KAFKA_SASL_MECHANISM");
    return undefined;
  }
  const chosen = read.oneOf("LC_KAFKA_SASL_MECHANISM", "scram-sha-512", ["plain", "scram-sha-256", "scram-sha-512"]);
  if (username === undefined || password === undefined)
    throw new LcError("invalid_argument", "LC_KAFKA_SASL_MECHANISM needs LC_KAFKA_SASL_USERNAME and LC_KAFKA_SASL_PASSWORD");
  return { mechanism: chosen, username, password };
}

function cassandraLogin(read: EnvReader): Pick<EngineConfig, "cassandraUsername" | "cassandraPassword"> {
  const cassandraUsername = read.string("LC_CASSANDRA_USERNAME");
  const cassandraPassword = read.string("LC_CASSANDRA_PASSWORD");
  if ((cassandraUsername === undefined) !== (cassandraPassword === undefined))
    throw new LcError("invalid_argument", "LC_CASSANDRA_USERNAME and LC_CASSANDRA_PASSWORD go together");
  return { cassandraUsername, cassandraPassword };
}

/** LC_REDIS_URL, checked without ever printing it: it may hold a password. */
function redisUrl(read: EnvReader): string {
  const url = read.string("LC_REDIS_URL") ?? "redis://127.0.0.1:6379";
  if (!/^rediss?:\/\/\S+$/.test(url)) throw new LcError("invalid_argument", "LC_REDIS_URL must be a redis:// or rediss:// URL");
  return url;
}

function tlsFiles(read: EnvReader): Pick<ServerConfig, "tlsCertFile" | "tlsKeyFile" | "tlsClientCaFile"> {
  const tlsCertFile = read.file("LC_TLS_CERT_FILE");
  const tlsKeyFile = read.file("LC_TLS_KEY_FILE");
  const tlsClientCaFile = read.file("LC_TLS_CLIENT_CA_FILE");
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) throw new LcError("invalid_argument", "LC_TLS_CERT_FILE and LC_TLS_KEY_FILE go together");
  if (tlsClientCaFile !== undefined && tlsCertFile === undefined)
    throw new LcError("invalid_argument", "LC_TLS_CLIENT_CA_FILE needs LC_TLS_CERT_FILE and LC_TLS_KEY_FILE");
  return { tlsCertFile, tlsKeyFile, tlsClientCaFile };
}

/** Reads what every role shares; throws naming the first bad variable. */
export function readServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const read = new EnvReader(env);
  const limitsOn = read.oneOf("LC_RATE_LIMITS", "on", ["on", "off"]) === "on";
  return {
    host: read.string("HOST") ?? "0.0.0.0",
    httpPort: read.integer("PORT", 8080, 0, 65535),
    grpcPort: read.integer("GRPC_PORT", 50051, 0, 65535),
    jwtSecret: read.string("LC_JWT_SECRET"),
    jwtIssuer: read.string("LC_JWT_ISSUER"),
    jwtAudience: read.string("LC_JWT_AUDIENCE"),
    jwksUrl: read.matching("LC_JWKS_URL", "", /^https?:\/\/\S+$/) || undefined,
    jwksCooldownMs: read.integer("LC_JWKS_COOLDOWN_MS", DEFAULT_JWKS_COOLDOWN_MS, 0, 24 * 60 * 60 * 1000),
    jwtRequireExp: read.oneOf("LC_JWT_REQUIRE_EXP", "on", ["on", "off"]) === "on",
    rateLimits: limitsOn
      ? {
          perUser: {
            ratePerSec: read.number("LC_USER_RATE_PER_SEC", DEFAULT_RATE_LIMIT_RULES.perUser!.ratePerSec, 0.001, 1e6),
            burst: read.integer("LC_USER_BURST", DEFAULT_RATE_LIMIT_RULES.perUser!.burst, 1, 1e6),
          },
          perClientIp: {
            ratePerSec: read.number("LC_IP_RATE_PER_SEC", DEFAULT_RATE_LIMIT_RULES.perClientIp!.ratePerSec, 0.001, 1e6),
            burst: read.integer("LC_IP_BURST", DEFAULT_RATE_LIMIT_RULES.perClientIp!.burst, 1, 1e6),
          },
          perStream: {
            ratePerSec: read.number("LC_STREAM_RATE_PER_SEC", DEFAULT_RATE_LIMIT_RULES.perStream!.ratePerSec, 0.001, 1e7),
            burst: read.integer("LC_STREAM_BURST", DEFAULT_RATE_LIMIT_RULES.perStream!.burst, 1, 1e7),
          },
        }
      : {},
    inputLimits: {
      ...DEFAULT_COMMENT_INPUT_LIMITS,
      maxTextCodePoints: read.integer("LC_MAX_TEXT_CHARS", DEFAULT_COMMENT_INPUT_LIMITS.maxTextCodePoints, 1, 10_000),
    },
    maxBodyBytes: read.integer("LC_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 256, 1024 * 1024),
    headersTimeoutMs: read.integer("LC_HEADERS_TIMEOUT_MS", DEFAULT_HEADERS_TIMEOUT_MS, 100, 600_000),
    bodyTimeoutMs: read.integer("LC_BODY_TIMEOUT_MS", DEFAULT_BODY_TIMEOUT_MS, 100, 600_000),
    shutdownGraceMs: read.integer("LC_SHUTDOWN_GRACE_MS", DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
    keepAliveTimeoutMs: read.integer("LC_KEEP_ALIVE_TIMEOUT_MS", DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 1_000, 600_000),
    trustedProxies: read.list("LC_TRUSTED_PROXIES", (entries) => new TrustedProxies(entries)),
    corsOrigins: read.list("LC_CORS_ORIGINS", (entries) => new CorsPolicy(entries)),
    ...tlsFiles(read),
    idempotencyTtlMs: read.integer("LC_IDEMPOTENCY_TTL_MS", DEFAULT_IDEMPOTENCY_TTL_MS, 1_000, 7 * 24 * 60 * 60 * 1000),
    appendTimeoutMs: read.integer("LC_APPEND_TIMEOUT_MS", DEFAULT_APPEND_TIMEOUT_MS, 100, 120_000),
    maxConnections: read.integer("LC_MAX_CONNECTIONS", 15_000, 1, 1_000_000),
    heartbeatMs: read.integer("LC_SSE_HEARTBEAT_MS", DEFAULT_HEARTBEAT_MS, 100, 300_000),
    defaultBatchMs: read.integer("LC_BATCH_MS", DEFAULT_BATCH_MS, 0, 1000),
    ringMaxCount: read.integer("LC_RING_MAX_COMMENTS", DEFAULT_RING_MAX_COUNT, 1, 1_000_000),
    ringMaxBytes: read.integer("LC_RING_MAX_BYTES", DEFAULT_RING_MAX_BYTES, 1024, 1024 ** 3),
    ringsMaxBytes: read.integer("LC_RINGS_MAX_BYTES", DEFAULT_RINGS_MAX_BYTES, 1024 * 1024, 64 * 1024 ** 3),
    ringIdleMs: read.integer("LC_RING_IDLE_MS", DEFAULT_RING_IDLE_MS, 1_000, 7 * 24 * 60 * 60 * 1000),
    relayWarmupMs: read.integer("LC_RELAY_WARMUP_MS", DEFAULT_RELAY_WARMUP_MS, 0, 24 * 60 * 60 * 1000),
    firehoseMaxSubscribers: read.integer("LC_FIREHOSE_MAX_SUBSCRIBERS", DEFAULT_FIREHOSE_MAX_SUBSCRIBERS, 0, 10_000),
    firehoseStallMs: read.integer("LC_FIREHOSE_STALL_MS", DEFAULT_FIREHOSE_STALL_MS, 100, 24 * 60 * 60 * 1000),
    archiveSettleMs: read.integer("LC_ARCHIVE_SETTLE_MS", SETTLE_MS, 0, 24 * 60 * 60 * 1000),
    archiveLagPollMs: read.integer("LC_ARCHIVE_LAG_POLL_MS", LAG_POLL_MS, 50, 600_000),
    archiveFetchLingerMs: read.integer("LC_ARCHIVE_FETCH_LINGER_MS", FETCH_LINGER_MS, 0, 1_000),
    viewerCountIntervalMs: read.integer("LC_VIEWER_COUNT_INTERVAL_MS", DEFAULT_VIEWER_COUNT_INTERVAL_MS, 100, 600_000),
    viewerMaxRate: read.integer("LC_VIEWER_MAX_RATE", DEFAULT_VIEWER_MAX_RATE, 1, MAX_VIEWER_MAX_RATE),
    maxViewers: read.integer("LC_MAX_VIEWERS", DEFAULT_MAX_VIEWERS, 1, 10_000_000),
    maxViewersPerIp: read.integer("LC_MAX_VIEWERS_PER_IP", DEFAULT_MAX_VIEWERS_PER_IP, 1, 10_000_000),
    maxViewerBufferBytes: read.integer("LC_MAX_VIEWER_BUFFER_BYTES", DEFAULT_MAX_VIEWER_BUFFER_BYTES, 16 * 1024, 64 * 1024 ** 2),
  };
}

/** Reads the embedded mode's configuration. */
export function readEmbeddedConfig(env: Readonly<Record<string, string | undefined>>): EmbeddedConfig {
  return { ...readServerConfig(env), dataDir: resolve(new EnvReader(env).string("LC_DATA_DIR") ?? "./data") };
}

/** Reads the engines' addresses for the distributed mode. */
export function readEngineConfig(env: Readonly<Record<string, string | undefined>>): EngineConfig {
  const read = new EnvReader(env);
  const list = (name: string, fallback: string) =>
    (read.string(name) ?? fallback)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    kafkaBrokers: list("LC_KAFKA_BROKERS", "127.0.0.1:9092"),
    kafkaTopic: read.matching("LC_KAFKA_TOPIC", DEFAULT_KAFKA_TOPIC, /^[a-zA-Z0-9._-]{1,200}$/),
    kafkaPartitions: read.integer("LC_KAFKA_PARTITIONS", DEFAULT_KAFKA_PARTITIONS, 1, 10_000),
    kafkaReplicationFactor: read.integer("LC_KAFKA_REPLICATION_FACTOR", 1, 1, 10),
    kafkaCompression: read.oneOf("LC_KAFKA_COMPRESSION", "none", ["none", "gzip"]),
    kafkaFetchLingerMs: read.integer("LC_KAFKA_FETCH_LINGER_MS", DEFAULT_FETCH_LINGER_MS, 0, 1_000),
    kafkaTlsCaFile: read.file("LC_KAFKA_TLS_CA_FILE"),
    kafkaTls: read.oneOf("LC_KAFKA_TLS", "off", ["on", "off"]) === "on" || read.string("LC_KAFKA_TLS_CA_FILE") !== undefined,
    kafkaSasl: kafkaSasl(read),
    redisUrl: redisUrl(read),
    redisTlsCaFile: read.file("LC_REDIS_TLS_CA_FILE"),
    redisKeyPrefix: read.matching("LC_REDIS_KEY_PREFIX", "lc:", /^[a-zA-Z0-9:_-]{0,64}$/),
    cassandraContactPoints: list("LC_CASSANDRA_CONTACT_POINTS", "127.0.0.1:9042"),
    cassandraDataCenter: read.string("LC_CASSANDRA_DC") ?? "datacenter1",
    cassandraKeyspace: read.matching("LC_CASSANDRA_KEYSPACE", "livecomments", /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/),
    cassandraReplication: cassandraReplication(read),
    ...cassandraLogin(read),
    cassandraTlsCaFile: read.file("LC_CASSANDRA_TLS_CA_FILE"),
    cassandraTls: read.oneOf("LC_CASSANDRA_TLS", "off", ["on", "off"]) === "on" || read.string("LC_CASSANDRA_TLS_CA_FILE") !== undefined,
    archiveBucketMs: read.integer("LC_ARCHIVE_BUCKET_MS", DEFAULT_BUCKET_MS, 1_000, 24 * 60 * 60 * 1000),
    relayAddress: read.string("LC_RELAY_ADDRESS") ?? "127.0.0.1:50052",
    relayTlsCaFile: read.file("LC_RELAY_TLS_CA_FILE"),
    relayTlsCertFile: read.file("LC_RELAY_TLS_CERT_FILE"),
    relayTlsKeyFile: read.file("LC_RELAY_TLS_KEY_FILE"),
    relayToken: read.string("LC_RELAY_TOKEN"),
    edgeUpstream: read.oneOf("LC_EDGE_UPSTREAM", "relay", ["relay", "redis"]),
    relayPublishesToRedis: read.oneOf("LC_RELAY_PUBLISH_REDIS", "off", ["on", "off"]) === "on",
  };
}

/** The key that signs pagination tokens: LC_PAGINATION_SECRET, else derived from the JWT secret. */
export function paginationKey(env: Readonly<Record<string, string | undefined>>, jwtSecret: string | undefined): Buffer {
  const explicit = new EnvReader(env).string("LC_PAGINATION_SECRET");
  if (explicit) return Buffer.from(explicit);
  if (!jwtSecret) throw new Error("LC_PAGINATION_SECRET (or LC_JWT_SECRET) must be set to sign pagination tokens");
  return createHmac("sha256", jwtSecret).update("pagination-tokens").digest();
}

/**
 * The token verifier of a process: HS256 with `secret` (LC_JWT_SECRET, or the embedded
 * development secret) and/or RS256/ES256 from LC_JWKS_URL. Undefined when neither is set.
 */
export function authenticatorFor(config: ServerConfig, secret = config.jwtSecret): Authenticator | undefined {
  if (!secret && !config.jwksUrl) return undefined;
  return createJwtAuthenticator({
    secret,
    jwksUrl: config.jwksUrl,
    jwksCooldownMs: config.jwksCooldownMs,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    requireExp: config.jwtRequireExp,
  });
}
