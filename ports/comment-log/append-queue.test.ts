import assert from "node:assert/strict";
import { test } from "vitest";
import { LcError } from "../../core/errors.js";
import type { LogEntry } from "../../core/log-event.js";
import { AppendQueue } from "./append-queue.js";

const entry = (streamId: string): LogEntry => ({ kind: "stream_end", streamId, endedAt: 1 });
const reasonOf = (pending: Promise<unknown>) =>
  pending.then(
    () => "placed",
    (error: unknown) => (error instanceof LcError ? error.reason : String(error)),
  );

test("should drop an append whose caller gave up before it left the queue, and keep the others in order", async () => {
  const queue = new AppendQueue(10, () => {});
  const gaveUp = new AbortController();
  const first = queue.enqueue(entry("a"));
  const abandoned = reasonOf(queue.enqueue(entry("b"), gaveUp.signal));
  const third = queue.enqueue(entry("c"), new AbortController().signal);
  gaveUp.abort();
  const taken = queue.take(10);
  assert.deepEqual(
    taken.map((item) => item.entry.streamId),
    ["a", "c"],
  );
  assert.equal(await abandoned, "log_unavailable", "its caller's retry writes it, once");
  for (const item of taken) item.reject(new Error("not under test"));
  await Promise.allSettled([first, third]);
});

test("should make room for a new append by dropping abandoned ones when full", async () => {
  const queue = new AppendQueue(2, () => {});
  const gaveUp = new AbortController();
  const abandoned = [queue.enqueue(entry("a"), gaveUp.signal), queue.enqueue(entry("b"), gaveUp.signal)].map(reasonOf);
  assert.equal(await reasonOf(queue.enqueue(entry("refused"))), "overloaded", "full while its callers wait");
  gaveUp.abort();
  const admitted = queue.enqueue(entry("c"));
  assert.deepEqual(await Promise.all(abandoned), ["log_unavailable", "log_unavailable"]);
  assert.deepEqual(
    queue.take(10).map((item) => item.entry.streamId),
    ["c"],
  );
  void admitted.catch(() => {});
});
