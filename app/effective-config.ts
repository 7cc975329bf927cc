import { LcError } from "../core/errors.js";
import { readSetting, readSettings, shownValue } from "../core/settings.js";
import type { SettingRole } from "../core/settings.js";
import { ALL_SETTINGS, PROCESS_SETTINGS, paginationKey, readEmbeddedConfig, readEngineConfig, readServerConfig } from "./config.js";
import type { ProcessSettings } from "./config.js";
import type { Environment } from "./config-file.js";
import { readConfigFile } from "./config-file.js";

/** The roles a process can run. */
export const ROLE_NAMES = ["all", "ingest", "relay", "edge", "archive"] as const satisfies readonly SettingRole[];
export type RoleName = (typeof ROLE_NAMES)[number];

/** Variables read before any role's configuration: the process itself. */
export function readProcessConfig(env: Environment): ProcessSettings {
  return readSettings(env, PROCESS_SETTINGS);
}

/** Variables read elsewhere than the product's settings: the command line, the engine scripts, the test and bench tools. */
const OTHER_KNOWN = ["LC_URL", "LC_ENGINES", "LC_KAFKA_VERSION", "LC_REDIS_SERVER", "LC_JAVA17_HOME", "LC_CHROMIUM", "LC_SCREENSHOTS", "LC_FAULTS_LOG"];
const OTHER_KNOWN_PREFIXES = ["LC_ENGINE_", "LC_BENCH_", "LC_FUZZ_"];

/** Every variable some part of Live Comments reads. */
export function knownVariables(): Set<string> {
  return new Set([...Object.values(ALL_SETTINGS).map((setting) => setting.variable), ...OTHER_KNOWN]);
}

/** A role's whole configuration as validated at start, and what in the environment it ignored. */
export interface EffectiveConfig {
  readonly role: RoleName;
  readonly configFile: string | null;
  /** Every setting the role reads, by name, as it will run with it (secrets only as `set` or `not set`). */
  readonly config: Record<string, unknown>;
  /** LC_ variables set but read by nothing: most likely typos. */
  readonly unknown: readonly string[];
}

/**
 * Reads and validates everything `role` reads from `env`, once, failing with a message that
 * names the first bad variable. A variable of the configuration file that nothing reads is an
 * error (a typo there would silently do nothing); one of the environment is reported in
 * `unknown`.
 */
export function effectiveConfig(env: Environment, role: RoleName): EffectiveConfig {
  // Reading the whole configuration as the role will also checks what goes together.
  const server = role === "all" ? readEmbeddedConfig(env) : readServerConfig(env);
  if (role !== "all") readEngineConfig(env);
  // The archive signs pagination tokens; in one process the development secret can stand in.
  if (role === "archive") paginationKey(server, server.jwtSecret);
  const config: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(ALL_SETTINGS)) {
    if (setting.roles.includes(role)) config[name] = shownValue(setting, readSetting(env, setting));
  }
  if (role === "all" && server.jwtSecret === undefined) config.jwtSecret = "development secret in the data folder";
  if (server.paginationSecret === undefined && "paginationSecret" in config) config.paginationSecret = "derived from the JWT secret";
  const known = knownVariables();
  const unknown = Object.keys(env).filter(
    (name) => name.startsWith("LC_") && !known.has(name) && !OTHER_KNOWN_PREFIXES.some((prefix) => name.startsWith(prefix)),
  );
  const configFile = env.LC_CONFIG_FILE ?? null;
  if (configFile) {
    const typo = Object.keys(readConfigFile(configFile)).find((name) => unknown.includes(name));
    if (typo) throw new LcError("invalid_argument", `LC_CONFIG_FILE ${configFile}: ${typo} is not a variable of Live Comments`);
  }
  return { role, configFile, config, unknown };
}
