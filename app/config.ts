import { createHmac } from "node:crypto";
import { resolve } from "node:path";
import { ARCHIVE_SETTINGS } from "../archive/settings.js";
import type { ArchiveSettings } from "../archive/settings.js";
import { createJwtAuthenticator } from "../core/auth/authenticator.js";
import type { Authenticator } from "../core/auth/authenticator.js";
import { AUTH_SETTINGS } from "../core/auth/settings.js";
import type { AuthSettings } from "../core/auth/settings.js";
import type { LogLevel } from "../core/logger.js";
import { EVERY_ROLE, choiceSetting, integerSetting, readSettings, textSetting } from "../core/settings.js";
import type { Setting, SettingValues, Settings } from "../core/settings.js";
import { EDGE_SETTINGS } from "../edge/settings.js";
import type { EdgeSettings } from "../edge/settings.js";
import { HOST_SETTINGS, checkTlsSettings } from "../host/settings.js";
import type { HostSettings } from "../host/settings.js";
import { INGEST_SETTINGS } from "../ingest/settings.js";
import type { IngestSettings } from "../ingest/settings.js";
import type { KeyspaceReplication } from "../ports/cassandra/connect-cassandra.js";
import { ENGINE_SETTINGS, checkCassandraLogin, kafkaSaslOf, keyspaceReplicationOf } from "../ports/engine-settings.js";
import type { EngineSettings } from "../ports/engine-settings.js";
import { RELAY_SETTINGS } from "../relay/settings.js";
import type { RelaySettings } from "../relay/settings.js";

/** What the process itself reads, before any role. */
export const PROCESS_SETTINGS = {
  configFile: textSetting({
    variable: "LC_CONFIG_FILE",
    fallback: undefined,
    description: "a file of these variables (`NAME=value` lines, or a `.json` object); the environment wins over it",
    roles: EVERY_ROLE,
  }),
  log: choiceSetting<LogLevel>({
    variable: "LC_LOG",
    fallback: "info",
    choices: ["info", "quiet", "debug"],
    description: "`quiet` logs only warnings and errors; `debug` adds a line per comment at each step",
    roles: EVERY_ROLE,
  }),
  workers: integerSetting({
    variable: "LC_WORKERS",
    fallback: 1,
    min: 1,
    max: 64,
    description: "edge worker processes sharing the ports (node:cluster)",
    roles: ["edge"],
  }),
  dataDir: textSetting({
    variable: "LC_DATA_DIR",
    fallback: "./data",
    description: "the data folder of `npm start`: the SQLite file and the development secret",
    roles: ["all"],
  }),
} as const;

export type ProcessSettings = SettingValues<typeof PROCESS_SETTINGS>;

/** What every role's process reads, in either mode: each part's settings. */
export const SERVER_SETTINGS = { ...HOST_SETTINGS, ...AUTH_SETTINGS, ...INGEST_SETTINGS, ...RELAY_SETTINGS, ...EDGE_SETTINGS, ...ARCHIVE_SETTINGS } as const;

/** Every setting of Live Comments, in the order the docs list them. */
export const ALL_SETTINGS: Readonly<Record<string, Setting<unknown>>> = { ...PROCESS_SETTINGS, ...SERVER_SETTINGS, ...ENGINE_SETTINGS };

/** The settings groups by what reads them, for the docs. */
export const SETTING_GROUPS: readonly { readonly title: string; readonly settings: Settings }[] = [
  { title: "The process", settings: PROCESS_SETTINGS },
  { title: "Listening: ports, TLS, proxies, origins", settings: HOST_SETTINGS },
  { title: "Tokens", settings: AUTH_SETTINGS },
  { title: "Ingest: the write path", settings: INGEST_SETTINGS },
  { title: "Relay: rings and the firehose", settings: RELAY_SETTINGS },
  { title: "Edge: viewers", settings: EDGE_SETTINGS },
  { title: "Archive: replay", settings: ARCHIVE_SETTINGS },
  { title: "Engines of the distributed mode", settings: ENGINE_SETTINGS },
];

/** What every role reads from the environment, in either mode. */
export type ServerConfig = HostSettings & AuthSettings & IngestSettings & RelaySettings & EdgeSettings & ArchiveSettings;

/** The embedded mode adds its data folder. */
export interface EmbeddedConfig extends ServerConfig {
  readonly dataDir: string;
}

/** Where the distributed mode finds its engines, with what the settings imply. */
export interface EngineConfig extends EngineSettings {
  /** SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) login; over TLS this is SASL_SSL. */
  readonly kafkaSasl: ReturnType<typeof kafkaSaslOf>;
  /** How a keyspace this deployment creates is replicated. */
  readonly cassandraReplication: KeyspaceReplication;
}

/** Reads what every role shares; throws naming the first bad variable. */
export function readServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const config = readSettings(env, SERVER_SETTINGS);
  checkTlsSettings(config);
  return config;
}

/** Reads the embedded mode's configuration. */
export function readEmbeddedConfig(env: Readonly<Record<string, string | undefined>>): EmbeddedConfig {
  return { ...readServerConfig(env), dataDir: resolve(readSettings(env, PROCESS_SETTINGS).dataDir) };
}

/** Reads the engines' addresses for the distributed mode. */
export function readEngineConfig(env: Readonly<Record<string, string | undefined>>): EngineConfig {
  const settings = readSettings(env, ENGINE_SETTINGS);
  checkCassandraLogin(settings);
  return {
    ...settings,
    // A CA file means TLS.
    kafkaTls: settings.kafkaTls || settings.kafkaTlsCaFile !== undefined,
    cassandraTls: settings.cassandraTls || settings.cassandraTlsCaFile !== undefined,
    kafkaSasl: kafkaSaslOf(settings),
    cassandraReplication: keyspaceReplicationOf(settings),
  };
}

/** The key that signs pagination tokens: LC_PAGINATION_SECRET, else derived from the JWT secret. */
export function paginationKey(config: Pick<ServerConfig, "paginationSecret">, jwtSecret: string | undefined): Buffer {
  if (config.paginationSecret) return Buffer.from(config.paginationSecret);
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
