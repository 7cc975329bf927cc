// A firehose consumer for the fault tests, run as its own process so it can be killed with -9:
// each SubscribeAll message's records and cursor go to its journal as one line in one write,
// so the journal always holds exactly the records up to the cursor it resumes from.
//
//   LC_JOURNAL_RELAY=127.0.0.1:50052 LC_JOURNAL_TOKEN=<relay:subscribe> LC_JOURNAL_FILE=f node dist/harness/firehose-journal.js
import { appendFileSync, readFileSync, truncateSync } from "node:fs";
import type { ServiceError } from "@grpc/grpc-js";
import { createGrpcClient } from "../core/grpc/grpc-client.js";
import type { SubscribeAllResponse } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { FanoutRelay } from "../gen/livecomments/v1/fanout_relay_pb.js";
import { bearer } from "./grpc-client.js";

/** One journal line: records as [stream id, seq, kind, comment id or ""], then the cursor after them. */
export interface JournalLine {
  readonly records: readonly (readonly [string, number, string, string])[];
  readonly cursor: string;
}

/** The complete lines of a journal; a torn last line (a write cut by kill -9) is cut off the file. */
export function readJournal(file: string): JournalLine[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  if (complete.length < text.length) truncateSync(file, Buffer.byteLength(complete));
  return complete
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as JournalLine);
}

function journalLine(message: SubscribeAllResponse): string {
  const records = message.records.map(({ seq, record }) => {
    const commentId = record?.event.case === "comment" ? (record.event.value.comment?.commentId ?? "") : "";
    return [record?.streamId ?? "", Number(seq), record?.event.case ?? "", commentId] as const;
  });
  return `${JSON.stringify({ records, cursor: message.cursor } satisfies JournalLine)}\n`;
}

function run(): void {
  const { LC_JOURNAL_RELAY: relay, LC_JOURNAL_TOKEN: token, LC_JOURNAL_FILE: file } = process.env;
  if (!relay || !token || !file) throw new Error("LC_JOURNAL_RELAY, LC_JOURNAL_TOKEN and LC_JOURNAL_FILE must be set");
  const client = createGrpcClient(FanoutRelay, relay);
  const subscribe = () => {
    const cursor = readJournal(file).at(-1)?.cursor;
    const call = client.subscribeAll(cursor ? { cursor } : {}, bearer(token));
    let opened = false;
    call.on("data", (message: SubscribeAllResponse) => {
      appendFileSync(file, journalLine(message));
      if (!opened) process.stdout.write(`journal: open ${cursor ? "from its cursor" : "from now on"}\n`);
      opened = true;
    });
    call.on("error", (error: ServiceError) => {
      process.stdout.write(`journal: firehose ended (${error.code}: ${error.details}); resuming\n`);
      setTimeout(subscribe, 200);
    });
  };
  subscribe();
}

if (process.argv[1]?.endsWith("firehose-journal.js")) run();
