import { LcError } from "../core/errors.js";
import type { LogLevel } from "../core/logger.js";
import { paginationKey, readEmbeddedConfig, readEngineConfig, readServerConfig } from "./config.js";
import type { Environment } from "./config-file.js";
import { readConfigFile } from "./config-file.js";
import { EnvReader } from "./env.js";
import { withoutCredentials } from "./engines.js";

/** The roles a process can run. */
export const ROLE_NAMES = ["all", "ingest", "relay", "edge", "archive"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** Variables read before any role's configuration: the process itself. */
export interface ProcessConfig {
  /** Edge worker processes (node:cluster). */
  readonly workers: number;
  readonly log: LogLevel;
}

export function readProcessConfig(env: Environment): ProcessConfig {
  const read = new EnvReader(env);
  return { workers: read.integer("LC_WORKERS", 1, 1, 64), log: read.oneOf<LogLevel>("LC_LOG", "info", ["info", "quiet", "debug"]) };
}

/** Variables read elsewhere than the roles' configuration: the command line, the engine scripts, the test and bench tools. */
const OTHER_KNOWN = [
  "LC_CONFIG_FILE",
  "LC_URL",
  "LC_ENGINES",
  "LC_KAFKA_VERSION",
  "LC_REDIS_SERVER",
  "LC_JAVA17_HOME",
  "LC_CHROMIUM",
  "LC_SCREENSHOTS",
  "LC_FAULTS_LOG",
];
const OTHER_KNOWN_PREFIXES = ["LC_ENGINE_", "LC_BENCH_", "LC_FUZZ_"];

/** Every variable some role reads: what reading each configuration asks for. */
export function knownVariables(): Set<string> {
  const asked = new Set<string>(OTHER_KNOWN);
  const recording = new Proxy<Environment>(
    {},
    {
      get(_target, name) {
        if (typeof name === "string") asked.add(name);
        return undefined;
      },
    },
  );
  readProcessConfig(recording);
  readEmbeddedConfig(recording);
  readEngineConfig(recording);
  paginationKey(recording, "any secret");
  return asked;
}

/** A role's whole configuration as validated at start, and what in the environment it ignored. */
export interface EffectiveConfig {
  readonly role: RoleName;
  readonly configFile: string | null;
  readonly config: Record<string, unknown>;
  /** LC_ variables set but read by nothing: most likely typos. */
  readonly unknown: readonly string[];
}

/**
 * Reads and validates everything `role` reads from `env`, once, failing with a message that
 * names the first bad variable. Secrets are shown only as whether they are set. A variable of
 * the configuration file that nothing reads is an error (a typo there would silently do
 * nothing); one of the environment is reported in `unknown`.
 */
export function effectiveConfig(env: Environment, role: RoleName): EffectiveConfig {
  const processConfig = readProcessConfig(env);
  const server = role === "all" ? readEmbeddedConfig(env) : readServerConfig(env);
  const engines = role === "all" ? undefined : readEngineConfig(env);
  // The archive signs pagination tokens; in one process the development secret can stand in.
  if (role === "archive") paginationKey(env, server.jwtSecret);
  const { jwtSecret, ...shown } = server;
  const known = knownVariables();
  const unknown = Object.keys(env).filter(
    (name) => name.startsWith("LC_") && !known.has(name) && !OTHER_KNOWN_PREFIXES.some((prefix) => name.startsWith(prefix)),
  );
  const configFile = env.LC_CONFIG_FILE ?? null;
  if (configFile) {
    const typo = Object.keys(readConfigFile(configFile)).find((name) => unknown.includes(name));
    if (typo) throw new LcError("invalid_argument", `LC_CONFIG_FILE ${configFile}: ${typo} is not a variable of Live Comments`);
  }
  return {
    role,
    configFile,
    config: {
      ...processConfig,
      ...shown,
      jwtSecret: jwtSecret === undefined ? (role === "all" ? "development secret in the data folder" : "not set") : "set",
      paginationSecret: env.LC_PAGINATION_SECRET ? "set" : "derived from the JWT secret",
      ...(engines
        ? {
            engines: {
              ...engines,
              redisUrl: withoutCredentials(engines.redisUrl),
              cassandraPassword: engines.cassandraPassword === undefined ? "not set" : "set",
              kafkaSasl: engines.kafkaSasl ? { ...engines.kafkaSasl, password: "set" } : "not set",
              relayToken: engines.relayToken === undefined ? "not set" : "set",
            },
          }
        : {}),
    },
    unknown,
  };
}
