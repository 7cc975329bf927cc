import { readFileSync, statSync } from "node:fs";
import { parseEnv } from "node:util";
import { LcError } from "../core/errors.js";

/** Largest configuration file read. */
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** An environment as the roles read it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The environment with LC_CONFIG_FILE's values under it: the file gives defaults, a variable
 * set in the environment wins. The file holds the same names as the environment, either as
 * `NAME=value` lines (# comments, optional quotes) or, for a `.json` file, as one object of
 * strings and numbers.
 */
export function withConfigFile(env: Environment): Environment {
  const path = env.LC_CONFIG_FILE;
  if (!path) return env;
  return { ...readConfigFile(path), ...definedOnly(env) };
}

/** The variables a configuration file sets; throws naming the file and the bad line. */
export function readConfigFile(path: string): Record<string, string> {
  let text: string;
  try {
    if (statSync(path).size > MAX_CONFIG_FILE_BYTES) throw new Error(`larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new LcError("invalid_argument", `LC_CONFIG_FILE ${path}: cannot read it (${error instanceof Error ? error.message : String(error)})`);
  }
  return path.endsWith(".json") ? parseJsonConfig(path, text) : parseEnvConfig(path, text);
}

const NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * A .env file as Node reads one (node:util parseEnv: quotes, `# comments`, `export`), with the
 * mistakes it passes over silently named instead: a line that is no assignment, a bad name.
 */
function parseEnvConfig(path: string, text: string): Record<string, string> {
  const values = parseEnv(text) as Record<string, string>;
  const continuation = new Set(
    Object.values(values)
      .filter((value) => value.includes("\n"))
      .flatMap((value) =>
        value
          .split("\n")
          .slice(1)
          .map((line) => line.trim()),
      ),
  );
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const assignment = /^(?:export\s+)?([^=\s]+)\s*=/.exec(line);
    if (line === "" || line.startsWith("#") || (assignment && NAME.test(assignment[1]!)) || (!assignment && continuation.has(line.replace(/["'`]$/, ""))))
      return;
    throw new LcError("invalid_argument", `LC_CONFIG_FILE ${path}:${index + 1}: expected NAME=value, got "${line.slice(0, 80)}"`);
  });
  return values;
}

function parseJsonConfig(path: string, text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LcError("invalid_argument", `LC_CONFIG_FILE ${path}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new LcError("invalid_argument", `LC_CONFIG_FILE ${path}: must hold one JSON object`);
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!NAME.test(name)) throw new LcError("invalid_argument", `LC_CONFIG_FILE ${path}: "${name}" is not a variable name`);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new LcError("invalid_argument", `LC_CONFIG_FILE ${path}: ${name} must be a string or a number`);
    }
    values[name] = String(value);
  }
  return values;
}

function definedOnly(env: Environment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
