import { isReviewEvent } from "../../core/log-event.js";
import { parseArgs } from "node:util";
import { commentToJson } from "../../core/comment.js";
import { viewerEventOf } from "../../core/viewer-event.js";
import { createRelayGrpcFanout } from "../../ports/fanout/relay-grpc.js";
import type { Environment } from "../config-file.js";
import { readEngineConfig } from "../config.js";
import { relayDialOptions } from "../transport-security.js";
import { devSecret } from "./token-command.js";
import { usageError } from "./usage-error.js";

export const TAIL_USAGE = "livecomments tail <stream_id> [--from-seq N] [--relay host:port]";

/** Longest pause before re-subscribing after the relay went away. */
const MAX_RETRY_MS = 5_000;

/**
 * `livecomments tail`: prints a stream's comments as JSON lines from a relay over gRPC, from
 * after --from-seq (else from now), until interrupted. When the relay goes away it
 * re-subscribes from the last seq printed, so the output has no gap and no duplicate.
 */
export async function tailCommand(args: readonly string[], env: Environment): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      "from-seq": { type: "string" },
      relay: { type: "string", default: env.LC_RELAY_ADDRESS ?? `127.0.0.1:${env.GRPC_PORT ?? "50051"}` },
    },
  });
  const [streamId, ...extra] = positionals;
  if (!streamId || extra.length > 0) throw usageError("give one stream id", TAIL_USAGE);
  const fromSeq = values["from-seq"];
  if (fromSeq !== undefined && !/^\d+$/.test(fromSeq)) throw usageError("--from-seq must be a non-negative integer", TAIL_USAGE);
  let afterSeq = fromSeq === undefined ? undefined : Number(fromSeq);
  // The relay admits tokens of scope relay:subscribe: LC_RELAY_TOKEN, else one signed here with
  // LC_JWT_SECRET (or the development secret); TLS as an edge dials it (LC_RELAY_TLS_*).
  const dial = relayDialOptions(
    readEngineConfig(env),
    { jwtSecret: devSecret(env), jwtIssuer: env.LC_JWT_ISSUER, jwtAudience: env.LC_JWT_AUDIENCE },
    "livecomments-tail",
  );
  const relay = createRelayGrpcFanout(values.relay!, dial);
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  let done = false;
  void stopped.then(() => (done = true));
  for (let attempt = 0; !done; attempt++) {
    const ended = await new Promise<unknown>((resolve) => {
      const subscription = relay.subscribe(streamId, afterSeq).subscribe({
        next(event) {
          attempt = 0;
          if (event.kind === "comment") {
            afterSeq = event.comment.seq;
            process.stdout.write(JSON.stringify(commentToJson(event.comment)) + "\n");
          } else if (event.kind === "position") {
            afterSeq ??= event.afterSeq;
          } else if (event.kind === "history") {
            return;
          } else if (isReviewEvent(event)) {
            afterSeq = event.seq; // held comments are for moderators, not a stream's viewers
          } else if (event.kind !== "reset") {
            afterSeq = event.seq;
            process.stdout.write(JSON.stringify({ ...viewerEventOf(event), seq: event.seq }) + "\n");
          } else {
            process.stderr.write(
              `tail: comments after seq ${event.afterSeq} are no longer held (oldest available ${event.oldestAvailableSeq}); read them from the playback API\n`,
            );
          }
        },
        error: resolve,
        complete: () => resolve(undefined),
      });
      void stopped.then(() => {
        subscription.unsubscribe();
        resolve(undefined);
      });
    });
    if (done) break;
    const delay = Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(attempt, 5));
    process.stderr.write(`tail: ${ended instanceof Error ? ended.message : "subscription ended"}; again in ${delay} ms\n`);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, delay)), stopped]);
  }
  relay.close();
}
