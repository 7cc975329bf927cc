import { accessSync, constants } from "node:fs";
import { LcError } from "../core/errors.js";

/** Reads typed values from an environment, failing with a message that names the variable. */
export class EnvReader {
  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  string(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === "" ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new LcError("invalid_argument", `${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new LcError("invalid_argument", `${name} must be a number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  matching(name: string, fallback: string, pattern: RegExp): string {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!pattern.test(raw)) throw new LcError("invalid_argument", `${name} must match ${pattern.source}, got "${raw}"`);
    return raw;
  }

  /** A path to a file this process can read (a certificate, a key), or undefined when unset. */
  file(name: string): string | undefined {
    const path = this.string(name);
    if (path === undefined) return undefined;
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      throw new LcError("invalid_argument", `${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return path;
  }

  /** A comma-separated list, each entry trimmed, empty ones dropped; `check` throws on a bad entry. */
  list(name: string, check: (entries: readonly string[]) => unknown): readonly string[] {
    const entries = (this.string(name) ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    try {
      check(entries);
    } catch (error) {
      throw new LcError("invalid_argument", `${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return entries;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new LcError("invalid_argument", `${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
    }
    return raw as T;
  }
}
