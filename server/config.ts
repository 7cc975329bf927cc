import { resolve } from "node:path";
import type { CommentInputLimits } from "../ingest/comment-input.js";
import { DEFAULT_COMMENT_INPUT_LIMITS } from "../ingest/comment-input.js";
import type { RateLimitRules } from "../ingest/rate-limits.js";
import { DEFAULT_RATE_LIMIT_RULES } from "../ingest/rate-limits.js";
import { DEFAULT_MAX_BODY_BYTES } from "../core/http/read-json-body.js";
import { DEFAULT_BATCH_MS, DEFAULT_HEARTBEAT_MS } from "../edge/http-routes.js";
import { DEFAULT_RING_MAX_BYTES, DEFAULT_RING_MAX_COUNT } from "../relay/fanout-relay.js";
import { EnvReader } from "./env.js";

/** Everything the one-process system is configured with, read once at start. */
export interface EmbeddedConfig {
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly dataDir: string;
  /** HS256 secret; undefined means a development secret kept in the data folder. */
  readonly jwtSecret: string | undefined;
  readonly jwtIssuer: string | undefined;
  readonly jwtAudience: string | undefined;
  readonly rateLimits: RateLimitRules;
  readonly inputLimits: CommentInputLimits;
  readonly maxBodyBytes: number;
  readonly maxConnections: number;
  readonly heartbeatMs: number;
  readonly defaultBatchMs: number;
  readonly ringMaxCount: number;
  readonly ringMaxBytes: number;
  readonly quiet: boolean;
}

/** Reads the configuration from an environment; throws naming the first bad variable. */
export function readEmbeddedConfig(env: Readonly<Record<string, string | undefined>>): EmbeddedConfig {
  const read = new EnvReader(env);
  const limitsOn = read.oneOf("LC_RATE_LIMITS", "on", ["on", "off"]) === "on";
  return {
    host: read.string("HOST") ?? "0.0.0.0",
    httpPort: read.integer("PORT", 8080, 0, 65535),
    grpcPort: read.integer("GRPC_PORT", 50051, 0, 65535),
    dataDir: resolve(read.string("LC_DATA_DIR") ?? "./data"),
    jwtSecret: read.string("LC_JWT_SECRET"),
    jwtIssuer: read.string("LC_JWT_ISSUER"),
    jwtAudience: read.string("LC_JWT_AUDIENCE"),
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
        }
      : {},
    inputLimits: {
      ...DEFAULT_COMMENT_INPUT_LIMITS,
      maxTextCodePoints: read.integer("LC_MAX_TEXT_CHARS", DEFAULT_COMMENT_INPUT_LIMITS.maxTextCodePoints, 1, 10_000),
    },
    maxBodyBytes: read.integer("LC_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 256, 1024 * 1024),
    maxConnections: read.integer("LC_MAX_CONNECTIONS", 15_000, 1, 1_000_000),
    heartbeatMs: read.integer("LC_SSE_HEARTBEAT_MS", DEFAULT_HEARTBEAT_MS, 100, 300_000),
    defaultBatchMs: read.integer("LC_BATCH_MS", DEFAULT_BATCH_MS, 0, 1000),
    ringMaxCount: read.integer("LC_RING_MAX_COMMENTS", DEFAULT_RING_MAX_COUNT, 1, 1_000_000),
    ringMaxBytes: read.integer("LC_RING_MAX_BYTES", DEFAULT_RING_MAX_BYTES, 1024, 1024 ** 3),
    quiet: read.oneOf("LC_LOG", "info", ["info", "quiet"]) === "quiet",
  };
}
