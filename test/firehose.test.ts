// The firehose (FanoutRelay.SubscribeAll) in the distributed mode, in the fault suite's style:
// a consumer that keeps its cursor with what it recorded is killed with -9, then its relay is,
// under load; afterwards it holds every accepted comment exactly once. Then the example
// moderation bot, reading the firehose, takes a matching comment off live viewers and the
// replay within 2 s and leaves the rest alone.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, test } from "vitest";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { READY, startDistributedSystem } from "../harness/distributed-system.js";
import { until } from "../harness/until.js";
import { readJournal } from "../harness/firehose-journal.js";
import { freePort } from "../harness/free-port.js";
import { ApiClient } from "../harness/http-client.js";
import type { Accepted } from "../harness/http-client.js";
import { PROJECT_ROOT } from "../harness/project-root.js";
import type { RoleProcess } from "../harness/role-process.js";
import { startNodeProcess, startRole } from "../harness/role-process.js";
import { SseRecorder } from "../harness/sse-client.js";

const JOURNAL_JS = join(PROJECT_ROOT, "dist", "harness", "firehose-journal.js");
const BOT_JS = join(PROJECT_ROOT, "dist", "examples", "moderation-bot", "bot.js");

let system: DistributedSystem;
let api: ApiClient;
const folder = mkdtempSync(join(tmpdir(), "lc-firehose-"));
const started: RoleProcess[] = [];

beforeAll(async () => {
  system = await startDistributedSystem({ LC_RATE_LIMITS: "off" }); // the load below posts faster than one address may
  api = new ApiClient(system.http, system.jwtSecret);
});
afterAll(async () => {
  await Promise.all(started.map((process) => process.kill()));
  await system?.stop();
  rmSync(folder, { recursive: true, force: true });
});

test("should resume a firehose consumer killed with -9, and after its relay was, with every accepted comment once", async () => {
  // A relay of its own on a fixed port, so it can be killed and started again at its address.
  const relayEnv = { ...system.env, GRPC_PORT: String(await freePort()) };
  let relay = await startRole("relay", relayEnv, READY.relay);
  started.push(relay);
  const journalFile = join(folder, "journal");
  const journalEnv = { LC_JOURNAL_RELAY: relay.ready[1]!, LC_JOURNAL_TOKEN: await api.token("journal", "relay:subscribe"), LC_JOURNAL_FILE: journalFile };
  const startJournal = async () => {
    const journal = await startNodeProcess([JOURNAL_JS], journalEnv, /journal: open/, "firehose journal");
    started.push(journal);
    return journal;
  };
  let journal = await startJournal();

  const streams = await Promise.all(Array.from({ length: 8 }, () => api.createStream()));
  const accepted: Accepted[] = [];
  const journaled = () => readJournal(journalFile).flatMap((line) => line.records);
  /** Records journaled when each fault struck: the faults hit a consumer in the middle of the load. */
  const journaledAtFault: number[] = [];
  const faults: [number, () => Promise<void>][] = [
    [
      150,
      async () => {
        await journal.kill();
        journaledAtFault.push(journaled().length);
        journal = await startJournal();
      },
    ],
    [
      300,
      async () => {
        journaledAtFault.push(journaled().length);
        await relay.kill();
        relay = await startRole("relay", relayEnv, READY.relay);
        started.push(relay);
      },
    ],
  ];
  // Eight posters; each fault runs once the count it waits for was accepted, while the others post.
  let faultsDone = Promise.resolve();
  await Promise.all(
    streams.map(async (streamId, poster) => {
      for (let i = 0; i < 60; i++) {
        accepted.push(await api.post(streamId, `poster-${poster}`, `comment ${i} of ${poster}`));
        const due = faults.findIndex(([after]) => accepted.length >= after);
        if (due >= 0) faultsDone = faultsDone.then(faults.splice(due, 1)[0]![1]);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }),
  );
  await faultsDone;
  assert.equal(journaledAtFault.length, 2);
  for (const count of journaledAtFault) assert.ok(count > 0 && count < accepted.length, `a fault struck with ${count} of ${accepted.length} records journaled`);
  await until(() => journaled().length >= accepted.length, 60_000, `the journal to hold ${accepted.length} records`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const records = journaled();
  const ids = records.map(([, , , commentId]) => commentId);
  assert.equal(new Set(ids).size, ids.length, "no record twice");
  assert.deepEqual(new Set(ids), new Set(accepted.map((a) => a.comment_id)), "every accepted comment, nothing else");
  for (const streamId of streams) {
    const seqs = records.filter(([stream]) => stream === streamId).map(([, seq]) => seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `${streamId} in log order`,
    );
  }
  assert.match(journal.output(), /resuming|from its cursor/, "the consumer resumed from its cursor");
});

test("should delete a comment with a listed word from live viewers and the replay within 2 s through the moderation bot, and leave others alone", async () => {
  const bot = await startNodeProcess(
    [BOT_JS],
    {
      LC_BOT_RELAY_URL: `http://${system.grpc.relay}`,
      LC_BOT_INGEST_URL: `http://${system.grpc.ingest}`,
      LC_BOT_TOKEN: await api.token("moderation-bot", "relay:subscribe comments:moderate"),
      LC_BOT_WORDS: "badword, spoiler",
      LC_BOT_CURSOR_FILE: join(folder, "bot.cursor"),
    },
    /reading every stream/,
    "moderation bot",
  );
  started.push(bot);
  const streamId = await api.createStream();
  const viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`));
  try {
    await viewer.opened();
    const fine = await api.post(streamId, "viewer-1", "what a goal, bad word or not");
    const postedAt = Date.now();
    const doomed = await api.post(streamId, "viewer-2", "SPOILER: the keeper saves it");
    const deletedLive = () =>
      viewer.events.some((e) => e.type === "delete_comment" && (JSON.parse(e.data) as { comment_id: string }).comment_id === doomed.comment_id);
    await until(deletedLive, 2_000, "the viewer to be told of the deletion");
    // The archive applies the deletion from the log on its own: the replay follows within the bound.
    const replayedIds = async () => {
      const replayed = await api.request("GET", `/v1/streams/${streamId}/comments?start_time=0&duration=3600`);
      return ((replayed.json.comments ?? []) as { comment_id: string }[]).map((c) => c.comment_id);
    };
    let replay = await replayedIds();
    while (replay.join() !== fine.comment_id && Date.now() - postedAt < 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      replay = await replayedIds();
    }
    process.stderr.write(`[bot] replay settled ${Date.now() - postedAt} ms after the post\n`);
    assert.deepEqual(replay, [fine.comment_id], `the replay ${Date.now() - postedAt} ms after the post: the other comment, not the deleted one`);
    assert.ok(!viewer.events.some((e) => e.type === "delete_comment" && e.data.includes(fine.comment_id)), "the other comment stays");
    assert.match(bot.output(), new RegExp(`deleted comment ${doomed.comment_id} of stream ${streamId} \\(matched "SPOILER"\\)`));
  } finally {
    viewer.close();
  }
});
