import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { startDistributedSystem } from "../harness/distributed-system.js";
import { ApiClient } from "../harness/http-client.js";
import { SseRecorder } from "../harness/sse-client.js";

// The seed's tiered fan-out: the relay re-publishes the log to Redis Pub/Sub and the edge
// takes live comments from there, catching resuming viewers up from the relay. The edge runs
// as two node:cluster workers sharing its port, as it would on a two-core machine.
let system: DistributedSystem;
beforeAll(async () => {
  system = await startDistributedSystem({ LC_RELAY_PUBLISH_REDIS: "on", LC_EDGE_UPSTREAM: "redis", LC_WORKERS: "2", LC_LOG: "debug" });
});
afterAll(() => system?.stop());

test("should run each role as its own process, the edge as two workers on one port", () => {
  const pids = Object.values(system.roles).map((role) => role.process.pid);
  assert.equal(new Set(pids).size, 4);
  assert.match(system.roles.edge.output(), /upstream Redis Pub\/Sub.*\(2 workers\)/);
  assert.match(system.roles.relay.output(), /publishing to Redis/);
});

/** A new stream with one live viewer, whose edge has had a moment to SUBSCRIBE to Redis. */
async function withLiveViewer(body: (api: ApiClient, streamId: string, viewer: SseRecorder) => Promise<void>): Promise<void> {
  const api = new ApiClient(system.http, system.jwtSecret);
  const streamId = await api.createStream();
  const viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`));
  try {
    await viewer.opened();
    // The edge subscribes to Redis when the first viewer arrives; give SUBSCRIBE a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await body(api, streamId, viewer);
  } finally {
    viewer.close();
  }
}

test("should carry a comment from POST through Kafka and Redis to SSE, and into the playback API", () =>
  withLiveViewer(async (api, streamId, viewer) => {
    const first = await api.post(streamId, "walker", "through every role");
    await viewer.until(() => viewer.comments().length >= 1, 10_000);
    assert.deepEqual(
      viewer.comments().map((c) => [c.comment_id, c.seq, c.text]),
      [[first.comment_id, first.seq, "through every role"]],
    );

    const second = await api.post(streamId, "walker", "while away");
    const resumed = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe?last_event_id=${first.seq}`));
    try {
      await resumed.opened();
      await resumed.until(() => resumed.comments().length >= 1, 10_000);
      assert.deepEqual(
        resumed.comments().map((c) => c.comment_id),
        [second.comment_id],
        "caught up from the relay",
      );
    } finally {
      resumed.close();
    }

    const archived = await api.waitForArchive(streamId, 2);
    assert.deepEqual(
      archived.map((c) => c.comment_id),
      [first.comment_id, second.comment_id],
    );
  }));

test("should let an operator follow a comment by its request id through the logs of ingest, relay and edge", () =>
  withLiveViewer(async (api, streamId, viewer) => {
    const requestId = `trace-${Math.random().toString(36).slice(2, 10)}`;
    const posted = await api.request("POST", `/v1/streams/${streamId}/comments`, {
      token: await api.token("tracer"),
      json: { text: "follow me" },
      headers: { "x-request-id": requestId },
    });
    assert.equal(posted.status, 202);
    assert.equal(posted.headers.get("x-request-id"), requestId, "the id is echoed");
    await viewer.until(() => viewer.comments().length === 1, 10_000);
    const linesOf = (output: string) =>
      output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg: string; requestId?: string; commentId?: string; role?: string; level: number });
    const traced = async (role: keyof typeof system.roles, msg: string) => {
      for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
        const line = linesOf(system.roles[role].output()).find((l) => l.requestId === requestId && l.msg === msg);
        if (line) return line;
      }
      assert.fail(`${role} logged no "${msg}" with request id ${requestId}`);
    };
    const commentId = posted.json.comment_id;
    for (const [role, msg] of [
      ["ingest", "comment accepted"],
      ["relay", "comment read from the log"],
      ["edge", "comment sent"],
    ] as const) {
      const line = await traced(role, msg);
      assert.equal(line.commentId, commentId, `${role}: the same comment`);
      assert.equal(line.role, role, `${role}: lines name their role`);
    }
  }));

test("should carry a deletion, a pin and the end through Kafka and Redis Pub/Sub to live viewers, and the recent comments to a new one", () =>
  withLiveViewer(async (api, streamId, viewer) => {
    const kept = await api.post(streamId, "walker", "kept");
    const doomed = await api.post(streamId, "walker", "doomed");
    await viewer.until(() => viewer.comments().length >= 2, 10_000);
    const moderator = await api.token("mod", "comments:moderate");
    assert.equal((await api.request("DELETE", `/v1/streams/${streamId}/comments/${doomed.comment_id}`, { token: moderator })).status, 200);
    assert.equal((await api.request("PUT", `/v1/streams/${streamId}/pin`, { token: moderator, json: { comment_id: kept.comment_id } })).status, 200);
    assert.equal((await api.request("POST", `/v1/streams/${streamId}/end`, { token: await api.token("admin", "streams:admin") })).status, 200);
    await viewer.until(() => viewer.events.some((e) => e.type === "stream_ended"), 10_000);
    assert.deepEqual(
      viewer.events.filter((e) => !["viewers", "comments", "new_comment"].includes(e.type)).map((e) => e.type),
      ["delete_comment", "pinned_comment", "stream_ended"],
      "in the log's order",
    );
    const fresh = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`));
    try {
      await fresh.until(() => fresh.events.some((e) => e.type === "stream_ended"), 10_000);
      assert.deepEqual(
        fresh.comments().map((c) => c.text),
        ["kept"],
      );
      assert.equal((JSON.parse(fresh.events.find((e) => e.type === "pinned_comment")!.data) as { text: string }).text, "kept");
    } finally {
      fresh.close();
    }
  }));
