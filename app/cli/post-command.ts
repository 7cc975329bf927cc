import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { Environment } from "../config-file.js";
import { mintTokenFromArgs } from "./token-command.js";
import { usageError } from "./usage-error.js";

export const POST_USAGE = "livecomments post <stream_id> <text> [--url http://127.0.0.1:8080] [--token JWT | --sub alice [--name Alice]]";

/**
 * `livecomments post`: posts one comment over HTTP and prints the answer. Without --token it
 * mints a development token for --sub; it sends an Idempotency-Key, so a retry by hand after
 * a timeout cannot post twice when the same key is given again with --idempotency-key.
 */
export async function postCommand(args: readonly string[], env: Environment): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      url: { type: "string", default: env.LC_URL ?? `http://127.0.0.1:${env.PORT ?? "8080"}` },
      token: { type: "string" },
      sub: { type: "string", default: "cli" },
      name: { type: "string" },
      "idempotency-key": { type: "string" },
    },
  });
  const [streamId, text, ...extra] = positionals;
  if (!streamId || text === undefined || extra.length > 0) throw usageError("give a stream id and one text (quote it)", POST_USAGE);
  const token = values.token ?? (await mintTokenFromArgs(["--sub", values.sub!, ...(values.name ? ["--name", values.name] : [])], env));
  const response = await fetch(new URL(`/v1/streams/${encodeURIComponent(streamId)}/comments`, values.url), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": values["idempotency-key"] ?? randomUUID() },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (response.status !== 202) throw new Error(`HTTP ${response.status}: ${body}`);
  process.stdout.write(body + "\n");
}
