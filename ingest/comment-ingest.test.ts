import assert from "node:assert/strict";
import { test } from "vitest";
import type { LogEntry, LogEvent } from "../core/log-event.js";
import { LcError } from "../core/errors.js";
import { createUuidV7 } from "../core/uuid-v7.js";
import { systemClock } from "../core/clock.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import { createSqliteCommentLog } from "../ports/comment-log/sqlite.js";
import type { IdempotencyStore } from "../ports/idempotency-store/index.js";
import { createMemoryIdempotencyStore } from "../ports/idempotency-store/memory.js";
import type { RateLimiter } from "../ports/rate-limiter/index.js";
import { createMemoryRateLimiter } from "../ports/rate-limiter/memory.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { createSqliteModerationStore } from "../ports/moderation-store/sqlite.js";
import { createSqliteStreamRegistry } from "../ports/stream-registry/sqlite.js";
import { DEFAULT_COMMENT_INPUT_LIMITS } from "./defaults.js";
import type { CommentIngestOptions } from "./comment-ingest.js";
import { CommentIngest } from "./comment-ingest.js";

const principal = { userId: "u1", username: "U", scopes: new Set<string>() };

/** A real SQLite log whose confirmations wait until the test releases them (a slow broker). */
function heldLog(inner: CommentLog) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let appends = 0;
  const log: CommentLog = {
    id: inner.id,
    async append(entry: LogEntry): Promise<LogEvent> {
      appends++;
      const placed = await inner.append(entry);
      await gate;
      return placed;
    },
    consume: (options, handler) => inner.consume(options, handler),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return { log, release, appends: () => appends };
}

async function fixture(overrides: Partial<CommentIngestOptions> = {}) {
  const db = openDatabase(":memory:");
  const streams = createSqliteStreamRegistry(db);
  await streams.create({ streamId: "s1", title: "", startedAt: Date.now() });
  const ingest = new CommentIngest({
    log: createSqliteCommentLog({ db }),
    streams,
    rateLimiter: createMemoryRateLimiter(),
    idempotency: createMemoryIdempotencyStore(),
    moderation: createSqliteModerationStore(db),
    rateLimits: {},
    inputLimits: DEFAULT_COMMENT_INPUT_LIMITS,
    clock: systemClock,
    newId: createUuidV7(),
    ...overrides,
  });
  return { ingest, db };
}

const reasonOf = async (pending: Promise<unknown>) => {
  try {
    await pending;
    return "accepted";
  } catch (error) {
    return error instanceof LcError ? error.reason : `other: ${String(error)}`;
  }
};

test("should answer 503 when the log is slow, then give the retry the comment that landed, not a second one", async () => {
  const db = openDatabase(":memory:");
  const held = heldLog(createSqliteCommentLog({ db }));
  const { ingest } = await fixture({ log: held.log, appendTimeoutMs: 50 });
  const command = { principal, streamId: "s1", input: { text: "slow" }, idempotencyKey: "k1" };
  assert.equal(await reasonOf(ingest.post(command)), "log_unavailable");
  assert.equal(await reasonOf(ingest.post(command)), "idempotency_key_in_use", "still in flight: no second append");
  held.release();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const retry = await ingest.post(command);
  assert.equal(held.appends(), 1, "exactly one comment was appended");
  assert.deepEqual([retry.status, retry.status === "published" && retry.seq], ["published", 1]);
});

test("should answer 503 in time when a store before the log stops answering", async () => {
  // An idempotency store on a cut link: its first call neither answers nor fails until the
  // client's own command timeout; later calls, on a new connection, work.
  let failStalled!: () => void;
  const stalled = new Promise<never>((_, reject) => (failStalled = () => reject(new Error("Command timed out"))));
  const store = createMemoryIdempotencyStore();
  let calls = 0;
  const idempotency: IdempotencyStore = { ...store, reserve: (key, ttlMs) => (++calls === 1 ? stalled : store.reserve(key, ttlMs)) };
  const { ingest } = await fixture({ idempotency, appendTimeoutMs: 50 });
  const command = { principal, streamId: "s1", input: { text: "cut" }, idempotencyKey: "k-cut" };
  const started = Date.now();
  const error = await ingest.post(command).catch((e: unknown) => e);
  assert.ok(error instanceof LcError && error.reason === "log_unavailable", String(error));
  assert.equal(error.retryAfterMs, 1000, "the 503 says when to retry");
  assert.ok(Date.now() - started < 1_000, "answered by the deadline, not by the store");
  failStalled();
  const retry = await ingest.post(command);
  assert.equal(retry.status, "published", "the retry, on a store that answers, is accepted");
});

test("should hold a stream to its ceiling", async () => {
  const { ingest } = await fixture({ rateLimits: { perStream: { ratePerSec: 0.001, burst: 3 } } });
  const reasons = [];
  for (let i = 0; i < 5; i++)
    reasons.push(await reasonOf(ingest.post({ principal: { ...principal, userId: `u${i}` }, streamId: "s1", input: { text: `t${i}` } })));
  assert.deepEqual(reasons, ["accepted", "accepted", "accepted", "rate_limited", "rate_limited"]);
});

test("should answer 503, not 500, when the rate limiter's engine fails", async () => {
  const broken: RateLimiter = { take: async () => Promise.reject(new Error("ECONNREFUSED")), close: async () => {} };
  const { ingest } = await fixture({ rateLimiter: broken, rateLimits: { perUser: { ratePerSec: 1, burst: 1 } } });
  const error = await ingest.post({ principal, streamId: "s1", input: { text: "x" } }).catch((e: unknown) => e);
  assert.ok(error instanceof LcError);
  assert.equal(error.reason, "unavailable");
  assert.equal(error.retryAfterMs, 1000);
});

test("should take the address's, the user's and the stream's tokens in one call, all or none", async () => {
  const inner = createMemoryRateLimiter();
  const calls: string[][] = [];
  const rateLimiter: RateLimiter = {
    take: (claims) => {
      calls.push(claims.map((claim) => claim.key));
      return inner.take(claims);
    },
    close: async () => {},
  };
  const rateLimits = { perClientIp: { ratePerSec: 0.001, burst: 2 }, perUser: { ratePerSec: 0.001, burst: 3 } };
  const { ingest } = await fixture({ rateLimiter, rateLimits });
  const post = (clientAddress: string) => reasonOf(ingest.post({ principal, streamId: "s1", input: { text: "x" }, clientAddress }));
  assert.deepEqual([await post("192.0.2.1"), await post("192.0.2.1"), await post("192.0.2.1")], ["accepted", "accepted", "rate_limited"]);
  assert.deepEqual(calls[0], ["ip:192.0.2.1", "user:u1"], "one call per post; the stream has no limit here");
  assert.equal(calls.length, 3);
  // The refused post took none of the user's tokens: its third one is still there.
  assert.equal(await post("192.0.2.2"), "accepted");
  assert.equal(await post("192.0.2.3"), "rate_limited");
});
