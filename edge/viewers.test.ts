import assert from "node:assert/strict";
import { test } from "vitest";
import { LcError } from "../core/errors.js";
import { Viewers } from "./viewers.js";

const none = { write() {}, lastWriteAt: 0, closeWithRetry() {} };
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof LcError ? error.reason : "other";
  }
  return "admitted";
};

test("should admit up to the per-IP and per-process limits, and count viewers per stream", () => {
  const viewers = new Viewers({ maxViewers: 3, maxViewersPerIp: 2 });
  const a1 = viewers.admit("1.1.1.1", "s", none);
  viewers.admit("1.1.1.1", "t", none);
  assert.equal(
    reason(() => viewers.admit("1.1.1.1", "s", none)),
    "too_many_connections",
  );
  viewers.admit("2.2.2.2", "s", none);
  assert.equal(
    reason(() => viewers.admit("3.3.3.3", "s", none)),
    "overloaded",
  );
  assert.equal(viewers.countOf("s"), 2);
  a1.leave();
  a1.leave(); // leaving twice changes nothing
  assert.equal(viewers.countOf("s"), 1);
  assert.equal(
    reason(() => viewers.admit("1.1.1.1", "s", none)),
    "admitted",
  );
});

test("should end every viewer with a spread-out retry on drain, and refuse new ones", () => {
  const viewers = new Viewers();
  const retries: number[] = [];
  for (let i = 0; i < 50; i++) viewers.admit(`10.0.0.${i}`, "s", { write() {}, lastWriteAt: 0, closeWithRetry: (retryMs) => retries.push(retryMs) });
  viewers.drain(5_000);
  assert.equal(retries.length, 50);
  assert.ok(retries.every((ms) => ms >= 500 && ms <= 5_500));
  assert.ok(new Set(retries.map((ms) => Math.floor(ms / 500))).size > 3, "retries are spread, not equal");
  assert.equal(
    reason(() => viewers.admit("9.9.9.9", "s", none)),
    "unavailable",
  );
});

test("should tell the viewers of one stream only its count: all when it changed, else only those never told", () => {
  const viewers = new Viewers();
  const got: string[] = [];
  viewers.admit("1.1.1.1", "s", { write: (b) => got.push(`a:${b}`), lastWriteAt: 0, closeWithRetry() {} });
  const b = viewers.admit("1.1.1.2", "s", { write: (x) => got.push(`b:${x}`), lastWriteAt: 0, closeWithRetry() {} });
  viewers.admit("1.1.1.3", "t", { write: (x) => got.push(`c:${x}`), lastWriteAt: 0, closeWithRetry() {} });
  viewers.tellCount("s", Buffer.from("2"), true);
  viewers.tellCount("s", Buffer.from("2"), false);
  viewers.admit("1.1.1.4", "s", { write: (x) => got.push(`d:${x}`), lastWriteAt: 0, closeWithRetry() {} });
  viewers.tellCount("s", Buffer.from("3"), false);
  b.leave();
  viewers.tellCount("s", Buffer.from("2"), true);
  assert.deepEqual(got, ["a:2", "b:2", "d:3", "a:2", "d:2"]);
  assert.deepEqual(
    viewers.counts(),
    new Map([
      ["s", 2],
      ["t", 1],
    ]),
  );
});
