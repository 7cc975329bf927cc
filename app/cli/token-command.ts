import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadOrCreateDevSecret, mintToken } from "../../core/auth/dev-token.js";
import type { Environment } from "../config-file.js";
import { usageError } from "./usage-error.js";

export const TOKEN_USAGE = "livecomments token [--sub alice] [--name Alice] [--scope streams:admin] [--ttl 86400]";

/** The secret development tokens are signed with: LC_JWT_SECRET, else the data folder's. */
export function devSecret(env: Environment): string {
  return env.LC_JWT_SECRET || loadOrCreateDevSecret(resolve(env.LC_DATA_DIR || "./data"));
}

/** Mints a token from the command-line options `args` (without the command name). */
export async function mintTokenFromArgs(args: readonly string[], env: Environment): Promise<string> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      sub: { type: "string", default: "dev-user" },
      name: { type: "string" },
      scope: { type: "string" },
      ttl: { type: "string", default: "86400" },
    },
  });
  const ttlSec = Number(values.ttl);
  if (!Number.isSafeInteger(ttlSec) || ttlSec <= 0) throw usageError("--ttl must be a positive number of seconds", TOKEN_USAGE);
  return mintToken(devSecret(env), {
    sub: values.sub!,
    ttlSec,
    ...(values.name ? { name: values.name } : {}),
    ...(values.scope ? { scope: values.scope } : {}),
  });
}

/** `livecomments token`: prints a development token signed with LC_JWT_SECRET or the dev secret. */
export async function tokenCommand(args: readonly string[], env: Environment): Promise<void> {
  process.stdout.write((await mintTokenFromArgs(args, env)) + "\n");
}
