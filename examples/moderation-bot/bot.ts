// A moderation service built only on Live Comments' public contracts (the generated clients of
// proto/): it reads every stream's records from FanoutRelay.SubscribeAll and deletes, through
// ModerationService, each comment with a word from its list. Its cursor is kept in a file, so a
// restarted bot goes on where it stopped; a comment it deleted before a crash may be deleted
// again, which ModerationService answers the same way.
//
//   node dist/examples/moderation-bot/bot.js     (configuration: see README.md beside this file)
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { FanoutRelay } from "../../gen/livecomments/v1/fanout_relay_pb.js";
import type { SubscribeAllResponse } from "../../gen/livecomments/v1/fanout_relay_pb.js";
import { ModerationService } from "../../gen/livecomments/v1/moderation_service_pb.js";

/** What the bot reads from its environment. */
interface BotConfig {
  readonly relayUrl: string;
  readonly ingestUrl: string;
  readonly token: string;
  readonly words: readonly string[];
  readonly cursorFile: string;
}

function readConfig(env: NodeJS.ProcessEnv): BotConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`${name} must be set (see examples/moderation-bot/README.md)`);
    return value;
  };
  const listed = env.LC_BOT_WORDS_FILE ? readFileSync(env.LC_BOT_WORDS_FILE, "utf8").split("\n") : required("LC_BOT_WORDS").split(",");
  const words = listed.map((word) => word.trim()).filter((word) => word !== "" && !word.startsWith("#"));
  if (words.length === 0) throw new Error("the word list is empty");
  return {
    relayUrl: required("LC_BOT_RELAY_URL"),
    ingestUrl: required("LC_BOT_INGEST_URL"),
    token: required("LC_BOT_TOKEN"),
    words,
    cursorFile: env.LC_BOT_CURSOR_FILE ?? "moderation-bot.cursor",
  };
}

/** A matcher of whole words, in any case, in any script. */
function wordMatcher(words: readonly string[]): (text: string) => string | undefined {
  const escaped = words.map((word) => word.normalize("NFKC").replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${escaped.join("|")})(?![\\p{L}\\p{N}])`, "iu");
  return (text) => pattern.exec(text.normalize("NFKC"))?.[1];
}

function readCursor(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Replaces the cursor file in one step, so a crash leaves the old cursor or the new one. */
function saveCursor(file: string, cursor: string): void {
  writeFileSync(`${file}.tmp`, cursor);
  renameSync(`${file}.tmp`, file);
}

function say(line: string): void {
  process.stdout.write(`moderation-bot: ${line}\n`);
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const matches = wordMatcher(config.words);
  const headers = { authorization: `Bearer ${config.token}` };
  const relay = createClient(FanoutRelay, createGrpcTransport({ baseUrl: config.relayUrl }));
  const moderation = createClient(ModerationService, createGrpcTransport({ baseUrl: config.ingestUrl }));
  const stopping = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stopping.abort());

  /** Deletes the matching comments of one message; resolves once all of them are deleted. */
  const moderate = async (message: SubscribeAllResponse) => {
    const deletions: Promise<void>[] = [];
    for (const { record } of message.records) {
      if (record?.event.case !== "comment") continue;
      const comment = record.event.value.comment;
      const word = comment && matches(comment.text);
      if (!comment || !word) continue;
      const request = { streamId: record.streamId, commentId: comment.commentId };
      deletions.push(
        moderation.deleteComment(request, { headers, signal: stopping.signal }).then(
          () => say(`deleted comment ${comment.commentId} of stream ${record.streamId} (matched "${word}")`),
          (error: unknown) => {
            // Deleted or gone already: nothing is left to do.
            if (ConnectError.from(error).code === Code.NotFound) return;
            throw error;
          },
        ),
      );
    }
    await Promise.all(deletions);
  };

  let backoffMs = 500;
  while (!stopping.signal.aborted) {
    const cursor = readCursor(config.cursorFile);
    try {
      let opened = false;
      for await (const message of relay.subscribeAll(cursor ? { cursor } : {}, { headers, signal: stopping.signal })) {
        if (!opened) say(`reading every stream ${cursor ? "from the saved cursor" : "from now on"}`);
        opened = true;
        await moderate(message);
        saveCursor(config.cursorFile, message.cursor);
        backoffMs = 500;
      }
    } catch (error) {
      if (stopping.signal.aborted) break;
      const failure = ConnectError.from(error);
      // A cursor the relay refuses, or a token it refuses, will not get better by retrying.
      if ([Code.InvalidArgument, Code.Unauthenticated, Code.PermissionDenied].includes(failure.code)) throw failure;
      say(`firehose interrupted (${Code[failure.code]}: ${failure.rawMessage}); resuming in ${backoffMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(backoffMs * 2, 10_000);
    }
  }
  say("stopped");
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
