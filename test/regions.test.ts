import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, test } from "vitest";
import { READY, deploymentEnv } from "../harness/distributed-system.js";
import { ApiClient } from "../harness/http-client.js";
import type { RedisInstance } from "../harness/redis-instance.js";
import { startRedisInstance } from "../harness/redis-instance.js";
import type { RoleProcess } from "../harness/role-process.js";
import { startRole } from "../harness/role-process.js";
import { SseRecorder } from "../harness/sse-client.js";

// Two regions on one machine, fed by one Kafka: each has its own Redis, relay and edge (the
// seed's regional Pub/Sub tier); ingest and the archive are shared.
const jwtSecret = randomBytes(24).toString("hex");
const env = deploymentEnv(jwtSecret, { LC_RELAY_PUBLISH_REDIS: "on", LC_EDGE_UPSTREAM: "redis" });
const processes: RoleProcess[] = [];
const redis: Record<"east" | "west", RedisInstance | undefined> = { east: undefined, west: undefined };
let api: ApiClient;
let edges: Record<"east" | "west", string>;

async function startRegion(name: "east" | "west"): Promise<string> {
  const regional = (redis[name] = await startRedisInstance());
  const regionEnv = { ...env, LC_REDIS_URL: regional.url };
  const relay = await startRole("relay", regionEnv, READY.relay);
  processes.push(relay);
  const edge = await startRole("edge", { ...regionEnv, LC_RELAY_ADDRESS: relay.ready[1]! }, READY.edge);
  processes.push(edge);
  return edge.ready[1]!;
}

beforeAll(async () => {
  const [east, west, ingest, archive] = await Promise.all([
    startRegion("east"),
    startRegion("west"),
    startRole("ingest", env, READY.ingest),
    startRole("archive", env, READY.archive),
  ]);
  processes.push(ingest, archive);
  edges = { east, west };
  api = new ApiClient({ ingest: ingest.ready[1]!, archive: archive.ready[1]!, edge: east }, jwtSecret);
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await Promise.all(Object.values(redis).flatMap((r) => (r ? [r.kill()] : [])));
});

test("should deliver a comment posted once to viewers in both regions, once each, and keep one region up when the other's Redis dies", async () => {
  const streamId = await api.createStream();
  const path = `/v1/streams/${streamId}/comments/subscribe?batch_ms=0`;
  const east = new SseRecorder(edges.east + path);
  const west = new SseRecorder(edges.west + path);
  try {
    await Promise.all([east.opened(), west.opened()]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // both edges SUBSCRIBE to their Redis
    const first = await api.post(streamId, "traveller", "hello both regions");
    await east.until(() => east.comments().length >= 1, 10_000);
    await west.until(() => west.comments().length >= 1, 10_000);
    assert.deepEqual(
      east.comments().map((c) => c.comment_id),
      [first.comment_id],
    );
    assert.deepEqual(
      west.comments().map((c) => c.comment_id),
      [first.comment_id],
    );

    await redis.west!.kill();
    const second = await api.post(streamId, "traveller", "east still hears this");
    await east.until(() => east.comments().length >= 2, 10_000);
    assert.deepEqual(
      east.comments().map((c) => c.comment_id),
      [first.comment_id, second.comment_id],
      "east has everything, once",
    );
    assert.equal(new Set(west.comments().map((c) => c.comment_id)).size, west.comments().length, "west never got a duplicate");
  } finally {
    east.close();
    west.close();
  }
});
