import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { loadOrCreateDevSecret, mintToken } from "../ingest/dev-token.js";

/**
 * `npm run token -- --sub alice [--name Alice] [--scope streams:admin] [--ttl 3600]`: prints a
 * development token signed with LC_JWT_SECRET, or with the data folder's development secret.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: "string", default: "dev-user" },
      name: { type: "string" },
      scope: { type: "string" },
      ttl: { type: "string", default: "86400" },
    },
  });
  const ttlSec = Number(values.ttl);
  if (!Number.isSafeInteger(ttlSec) || ttlSec <= 0) throw new Error("--ttl must be a positive number of seconds");
  const secret = process.env.LC_JWT_SECRET || loadOrCreateDevSecret(resolve(process.env.LC_DATA_DIR || "./data"));
  const token = await mintToken(secret, {
    sub: values.sub!,
    ttlSec,
    ...(values.name ? { name: values.name } : {}),
    ...(values.scope ? { scope: values.scope } : {}),
  });
  process.stdout.write(token + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
