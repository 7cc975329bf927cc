// The review hook under failure: slow, down, answering garbage or no verdict, or too many at
// once. Every post is answered within LC_REVIEW_TIMEOUT_MS plus a margin, as the failure policy
// says, and nothing accepted is lost: every held post is in the held queue, every published one
// in the replay, and a rejected one nowhere.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { Http2Session } from "node:http2";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, it } from "vitest";
import { readEmbeddedConfig } from "../app/config.js";
import type { EmbeddedApp } from "../app/embedded-app.js";
import { startEmbeddedApp } from "../app/embedded-app.js";
import { silentLogger } from "../core/logger.js";
import { CommentReviewService, Verdict } from "../gen/livecomments/v1/comment_review_pb.js";
import type { CommentJson } from "../core/comment.js";
import { ApiClient, errorCode } from "../harness/http-client.js";
import { scrape } from "../harness/prometheus-text.js";

const TIMEOUT_MS = 200;
/** What a post may take beyond the hook's timeout: the rest of the write path, on a busy machine. */
const MARGIN_MS = 1_500;
const REVIEW_PATH = "/livecomments.v1.CommentReviewService/ReviewComment";

type HookMode = "allow" | "hold" | "reject" | "slow" | "garbage" | "unspecified";

/** A review service answering as the test says: a plain HTTP endpoint speaking Connect's JSON. */
class ScriptedHook {
  mode: HookMode = "allow";
  readonly requests: Record<string, unknown>[] = [];
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    if (req.method !== "POST" || req.url !== REVIEW_PATH) return void res.writeHead(404).end();
    this.requests.push(JSON.parse(body) as Record<string, unknown>);
    const json = (value: unknown): void => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
    switch (this.mode) {
      case "allow":
        return json({ verdict: "VERDICT_ALLOW" });
      case "hold":
        return json({ verdict: "VERDICT_HOLD", reason: "looks like a spoiler" });
      case "reject":
        return json({ verdict: "VERDICT_REJECT", reason: "no links please" });
      case "unspecified":
        return json({ reason: "I am not sure" });
      case "garbage":
        return void res.writeHead(200, { "content-type": "application/json" }).end("<html>" + "x".repeat(100_000));
      case "slow":
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        return json({ verdict: "VERDICT_ALLOW" });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** An embedded app behind `reviewUrl` with a failure policy. */
async function appBehind(reviewUrl: string, onFailure: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "lc-review-"));
  const app: EmbeddedApp = await startEmbeddedApp(
    readEmbeddedConfig({
      HOST: "127.0.0.1",
      PORT: "0",
      GRPC_PORT: "0",
      LC_DATA_DIR: dir,
      LC_REVIEW_URL: reviewUrl,
      LC_REVIEW_TIMEOUT_MS: String(TIMEOUT_MS),
      LC_REVIEW_ON_FAILURE: onFailure,
      LC_ARCHIVE_SETTLE_MS: "100",
      LC_ARCHIVE_LAG_POLL_MS: "100",
      ...extra,
    }),
    silentLogger,
  );
  const url = `http://127.0.0.1:${app.httpPort}`;
  const api = new ApiClient({ ingest: url, edge: url, archive: url }, app.jwtSecret);
  return {
    api,
    url,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts as a fresh user, timing the answer. */
async function timedPost(api: ApiClient, streamId: string, text: string) {
  const started = performance.now();
  const answer = await api.request("POST", `/v1/streams/${streamId}/comments`, {
    token: await api.token(`u-${Math.random().toString(36).slice(2, 10)}`),
    json: { text },
  });
  return { answer, ms: performance.now() - started };
}

const hook = new ScriptedHook();
let hookUrl: string;
beforeAll(async () => {
  hookUrl = await hook.start();
});
afterAll(() => hook.stop());

describe("review hook, failures held (LC_REVIEW_ON_FAILURE=hold)", () => {
  let system: Awaited<ReturnType<typeof appBehind>>;
  beforeAll(async () => {
    system = await appBehind(hookUrl, "hold", { LC_REVIEW_MAX_IN_FLIGHT: "2" });
  });
  afterAll(() => system?.close());

  it("should publish, hold and reject as the hook says, asking it with the comment's fields", async () => {
    const { api } = system;
    const streamId = await api.createStream();
    hook.mode = "allow";
    const published = await timedPost(api, streamId, "fine");
    assert.equal(published.answer.json.status, "published");
    const asked = hook.requests.at(-1)!;
    assert.deepEqual(
      [asked.commentId, asked.streamId, asked.text, typeof asked.userId, asked.clientAddress],
      [published.answer.json.comment_id, streamId, "fine", "string", "127.0.0.1"],
    );
    hook.mode = "hold";
    const held = await timedPost(api, streamId, "he dies at the end");
    assert.deepEqual([held.answer.status, held.answer.json.status, held.answer.json.seq], [202, "held", undefined]);
    hook.mode = "reject";
    const rejected = await timedPost(api, streamId, "buy at example.com");
    assert.deepEqual([rejected.answer.status, errorCode(rejected.answer)], [403, "comment_rejected"]);
    assert.match(rejected.answer.text, /no links please/);

    const moderator = await api.token("mod", "comments:moderate");
    const queue = (await api.request("GET", `/v1/streams/${streamId}/held`, { token: moderator })).json.held as { comment: CommentJson; reason: string }[];
    assert.deepEqual(
      queue.map((h) => [h.comment.comment_id, h.reason]),
      [[held.answer.json.comment_id, "looks like a spoiler"]],
    );
    const replay = await api.waitForArchive(streamId, 1);
    assert.deepEqual(
      replay.map((c) => c.text),
      ["fine"],
      "nothing rejected or held is shown",
    );
  });

  it("should answer within the timeout and hold every post while the hook is slow, answers garbage or no verdict, or has too many in flight", async () => {
    const { api, url } = system;
    const streamId = await api.createStream();
    const held: string[] = [];
    for (const mode of ["slow", "garbage", "unspecified"] as const) {
      hook.mode = mode;
      const { answer, ms } = await timedPost(api, streamId, `while ${mode}`);
      assert.deepEqual([answer.status, answer.json.status], [202, "held"], `${mode}: ${answer.text}`);
      assert.ok(ms < TIMEOUT_MS + MARGIN_MS, `${mode}: answered in ${Math.round(ms)} ms`);
      held.push(answer.json.comment_id as string);
    }
    // Ten at once to a slow hook that may have two in flight: two time out, eight are not asked.
    hook.mode = "slow";
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => timedPost(api, streamId, `burst ${i}`)));
    for (const { answer, ms } of burst) {
      assert.deepEqual([answer.status, answer.json.status], [202, "held"], answer.text);
      assert.ok(ms < TIMEOUT_MS + MARGIN_MS, `answered in ${Math.round(ms)} ms`);
      held.push(answer.json.comment_id as string);
    }
    const moderator = await api.token("mod", "comments:moderate");
    const queue = (await api.request("GET", `/v1/streams/${streamId}/held`, { token: moderator })).json.held as { comment: CommentJson; reason: string }[];
    assert.deepEqual(queue.map((h) => h.comment.comment_id).sort(), [...held].sort(), "every held post is in the queue");
    assert.ok(queue.every((h) => h.reason === "review_unavailable"));
    const metrics = await scrape(url);
    for (const cause of ["timeout", "error", "unspecified", "overloaded"]) {
      assert.ok(metrics.value("livecomments_review_failures_total", { cause }) >= 1, `a failure counted as ${cause}`);
    }
    assert.ok(metrics.value("livecomments_review_failures_total", { cause: "overloaded" }) >= 7);
    assert.equal(metrics.value("livecomments_review_verdicts_total", { verdict: "hold" }), held.length + 1);
    assert.ok(metrics.has("livecomments_review_duration_seconds_count"));
  });
});

describe("review hook down", () => {
  const DOWN_URL = "http://127.0.0.1:9"; // the discard port: nothing listens there
  for (const [policy, expected] of [
    ["allow", [202, "published"]],
    ["reject", [403, "comment_rejected"]],
    ["hold", [202, "held"]],
  ] as const) {
    it(`should answer a post ${expected.join(" ")} within the timeout when the hook cannot be reached and the policy is ${policy}`, async () => {
      const system = await appBehind(DOWN_URL, policy);
      try {
        const streamId = await system.api.createStream();
        const { answer, ms } = await timedPost(system.api, streamId, "anyone there?");
        assert.deepEqual([answer.status, answer.json.status ?? errorCode(answer)], expected, answer.text);
        assert.ok(ms < TIMEOUT_MS + MARGIN_MS, `answered in ${Math.round(ms)} ms`);
        if (policy === "allow")
          assert.deepEqual(
            (await system.api.waitForArchive(streamId, 1)).map((c) => c.text),
            ["anyone there?"],
          );
      } finally {
        await system.close();
      }
    });
  }
});

describe("review hook over gRPC (LC_REVIEW_PROTOCOL=grpc)", () => {
  /** A review service on the generated code, speaking gRPC over cleartext HTTP/2. */
  async function startGrpcHook() {
    const asked: string[] = [];
    const server = createHttp2Server(
      connectNodeAdapter({
        routes: (router) =>
          router.service(CommentReviewService, {
            reviewComment(request) {
              asked.push(request.text);
              if (request.text.includes("spoiler")) return { verdict: Verdict.HOLD, reason: "spoiler" };
              if (request.text.includes("http")) return { verdict: Verdict.REJECT, reason: "no links" };
              return { verdict: Verdict.ALLOW };
            },
          }),
      }),
    );
    const sessions = new Set<Http2Session>();
    server.on("session", (session) => {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      asked,
      async stop() {
        for (const session of sessions) session.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it("should publish, hold and reject as a gRPC hook says, with no failures counted", async () => {
    const grpcHook = await startGrpcHook();
    const system = await appBehind(grpcHook.url, "allow", { LC_REVIEW_PROTOCOL: "grpc", LC_REVIEW_TIMEOUT_MS: "2000" });
    try {
      const { api, url } = system;
      const streamId = await api.createStream();
      const published = await timedPost(api, streamId, "what a goal");
      const held = await timedPost(api, streamId, "spoiler: he scores again");
      const rejected = await timedPost(api, streamId, "free tickets at http://example.com");
      assert.deepEqual(
        [published.answer.json.status, held.answer.json.status, rejected.answer.status, errorCode(rejected.answer)],
        ["published", "held", 403, "comment_rejected"],
      );
      assert.deepEqual(grpcHook.asked, ["what a goal", "spoiler: he scores again", "free tickets at http://example.com"]);
      const moderator = await api.token("mod", "comments:moderate");
      const queue = (await api.request("GET", `/v1/streams/${streamId}/held`, { token: moderator })).json.held as { comment: CommentJson; reason: string }[];
      assert.deepEqual(
        queue.map((h) => [h.comment.text, h.reason]),
        [["spoiler: he scores again", "spoiler"]],
      );
      const metrics = await scrape(url);
      assert.equal(metrics.value("livecomments_review_failures_total"), 0);
      assert.equal(metrics.value("livecomments_review_verdicts_total", { verdict: "allow" }), 1);
    } finally {
      await system.close();
      await grpcHook.stop();
    }
  });
});
