import { accessSync, constants } from "node:fs";
import { LcError } from "./errors.js";

/**
 * Configuration as data. Each part of the system declares the settings it reads once: the
 * variable, its type and bounds, its default, what it means and which roles read it. Reading
 * and validating the environment, `livecomments config`, the errors that name a bad variable and
 * docs/configuration.md are all derived from these declarations.
 */

/** The processes a setting can be read by (`all` is `npm start`, every role in one process). */
export type SettingRole = "all" | "ingest" | "relay" | "edge" | "archive";

/** Every role, for the settings every process reads. */
export const EVERY_ROLE: readonly SettingRole[] = ["all", "ingest", "relay", "edge", "archive"];

/** What a setting is and how its text is read. */
export type SettingType =
  | { readonly kind: "integer"; readonly min: number; readonly max: number }
  | { readonly kind: "number"; readonly min: number; readonly max: number }
  | { readonly kind: "text"; readonly pattern?: RegExp; readonly secret?: boolean }
  | { readonly kind: "choice"; readonly choices: readonly string[] }
  | { readonly kind: "switch" }
  | { readonly kind: "file" }
  | { readonly kind: "list" };

/** One setting as its part declares it; `T` is the type the process sees. */
export interface Setting<T> {
  readonly variable: string;
  readonly type: SettingType;
  /** The value when the variable is unset (or empty). */
  readonly fallback: T;
  /** The default as the docs state it, when the value alone does not say it (a derived default). */
  readonly defaultText?: string;
  readonly description: string;
  readonly roles: readonly SettingRole[];
  /** Turns a byte count or a duration into words for the docs (`1 MiB`, `15 min`). */
  readonly unit?: "ms" | "bytes";
  /** Refuses a value its type allows but the setting does not (throws; the message names no variable). */
  check?(value: T): unknown;
  /** How `livecomments config` shows the value, when not as read (a URL without its password). */
  shown?(value: T): unknown;
}

type Common = Pick<Setting<unknown>, "variable" | "description" | "roles" | "defaultText" | "unit">;
type Hooks<T> = Pick<Setting<T>, "check" | "shown">;

export function integerSetting(options: Common & { readonly fallback: number; readonly min: number; readonly max: number }): Setting<number> {
  return { ...options, type: { kind: "integer", min: options.min, max: options.max } };
}

export function numberSetting(options: Common & { readonly fallback: number; readonly min: number; readonly max: number }): Setting<number> {
  return { ...options, type: { kind: "number", min: options.min, max: options.max } };
}

/** A text; unset (or empty) gives `fallback`. A secret is shown as `set` or `not set`, never itself. */
export function textSetting<T extends string | undefined>(
  options: Common & Hooks<string | T> & { readonly fallback: T; readonly pattern?: RegExp; readonly secret?: boolean },
): Setting<string | T> {
  return {
    ...options,
    type: { kind: "text", ...(options.pattern ? { pattern: options.pattern } : {}), ...(options.secret ? { secret: true } : {}) },
  };
}

export function choiceSetting<const C extends string>(options: Common & { readonly fallback: C; readonly choices: readonly C[] }): Setting<C> {
  return { ...options, type: { kind: "choice", choices: options.choices } };
}

/** `on` or `off`, seen as a boolean. */
export function switchSetting(options: Common & { readonly fallback: boolean }): Setting<boolean> {
  return { ...options, type: { kind: "switch" } };
}

/** A path to a file the process must be able to read (a certificate, a key), or undefined. */
export function fileSetting(options: Common): Setting<string | undefined> {
  return { ...options, fallback: undefined, type: { kind: "file" } };
}

/** A comma-separated list, entries trimmed, empty ones dropped. */
export function listSetting(options: Common & Hooks<readonly string[]> & { readonly fallback: readonly string[] }): Setting<readonly string[]> {
  return { ...options, type: { kind: "list" } };
}

/** A group of declarations, by the name the configuration gives each value. */
export type Settings = Readonly<Record<string, Setting<unknown>>>;

/** The values a group of declarations reads to. */
export type SettingValues<S extends Settings> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Reads one setting from the environment; throws an `invalid_argument` naming the variable. */
export function readSetting<T>(env: Readonly<Record<string, string | undefined>>, setting: Setting<T>): T {
  const raw = env[setting.variable];
  if (raw === undefined || raw === "") return setting.fallback;
  const value = parseSetting(setting, raw) as T;
  try {
    setting.check?.(value);
  } catch (error) {
    throw new LcError("invalid_argument", `${setting.variable}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return value;
}

/** Reads a group of settings, each by its declaration. */
export function readSettings<S extends Settings>(env: Readonly<Record<string, string | undefined>>, settings: S): SettingValues<S> {
  return Object.fromEntries(Object.entries(settings).map(([name, setting]) => [name, readSetting(env, setting)])) as SettingValues<S>;
}

function parseSetting(setting: Setting<unknown>, raw: string): unknown {
  const { variable: name, type } = setting;
  const refuse = (expected: string) => new LcError("invalid_argument", `${name} must be ${expected}, got "${raw}"`);
  switch (type.kind) {
    case "integer": {
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || value < type.min || value > type.max) throw refuse(`an integer from ${type.min} to ${type.max}`);
      return value;
    }
    case "number": {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < type.min || value > type.max) throw refuse(`a number from ${type.min} to ${type.max}`);
      return value;
    }
    case "text":
      if (type.pattern && !type.pattern.test(raw)) {
        if (type.secret) throw new LcError("invalid_argument", `${name} is not in the form it must have (${type.pattern.source})`);
        throw refuse(`match ${type.pattern.source}`);
      }
      return raw;
    case "choice":
      if (!type.choices.includes(raw)) throw refuse(`one of ${type.choices.join(", ")}`);
      return raw;
    case "switch":
      if (raw !== "on" && raw !== "off") throw refuse("on or off");
      return raw === "on";
    case "file":
      try {
        accessSync(raw, constants.R_OK);
      } catch (error) {
        throw new LcError("invalid_argument", `${name}: cannot read ${raw} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
      return raw;
    case "list":
      return raw
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== "");
  }
}

/** Whether a setting's value is a secret: printed only as `set` or `not set`. */
export function isSecret(setting: Setting<unknown>): boolean {
  return setting.type.kind === "text" && setting.type.secret === true;
}

/** A value as `livecomments config` prints it: secrets hidden, the rest as read. */
export function shownValue<T>(setting: Setting<T>, value: T): unknown {
  if (setting.shown) return setting.shown(value);
  if (isSecret(setting)) return value === undefined ? "not set" : "set";
  return value === undefined ? null : value;
}
