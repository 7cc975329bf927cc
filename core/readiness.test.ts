import assert from "node:assert/strict";
import { test } from "vitest";
import { checkReadiness } from "./readiness.js";

test("should be ready only when every probe answers, naming what failed and what hung", async () => {
  const ready = await checkReadiness([
    { name: "kafka", probe: async () => {} },
    { name: "redis", probe: async () => "PONG" },
  ]);
  assert.deepEqual(ready, { ready: true, checks: { kafka: "ok", redis: "ok" } });

  const started = Date.now();
  const notReady = await checkReadiness(
    [
      { name: "kafka", probe: async () => {} },
      { name: "redis", probe: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")) },
      { name: "cassandra", probe: () => new Promise(() => {}) },
    ],
    50,
  );
  assert.deepEqual(notReady, {
    ready: false,
    checks: { kafka: "ok", redis: "connect ECONNREFUSED 127.0.0.1:6379", cassandra: "no answer within 50 ms" },
  });
  assert.ok(Date.now() - started < 2_000, "a probe that hangs is cut off at the timeout");
});
