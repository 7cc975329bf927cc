import assert from "node:assert/strict";
import { test } from "vitest";
import { CommentPoster } from "./comment-poster.js";
import { LiveCommentsError } from "./wire.js";

const accepted = { comment_id: "c-1", seq: 7, server_ts: 1, offset_ms: 1 };
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** A fetch answering from a script, recording each request's Idempotency-Key. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const keys: string[] = [];
  const fetch = async (_input: string, init?: RequestInit) => {
    keys.push(new Headers(init?.headers).get("idempotency-key") ?? "");
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    return next();
  };
  return { fetch, keys };
}

test("should retry network errors, 503 and 429 with one Idempotency-Key, honouring Retry-After", async () => {
  const { fetch, keys } = scripted([
    () => Promise.reject(new TypeError("fetch failed")),
    () => json(503, { error: { code: "log_unavailable", message: "later" } }, { "retry-after": "1" }),
    () => json(429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "3" }),
    () => json(202, accepted),
  ]);
  const waits: number[] = [];
  const poster = new CommentPoster({ baseUrl: "http://x", token: "t", fetch, sleep: async (ms) => void waits.push(ms) });
  assert.deepEqual(await poster.post("s", "hello"), accepted);
  assert.equal(new Set(keys).size, 1, "every attempt carries the same key");
  assert.match(keys[0]!, /^[0-9a-f-]{32,36}$/);
  assert.equal(waits.length, 3);
  assert.ok(waits[0]! < 250, "backoff after a network error");
  assert.deepEqual(waits.slice(1), [1000, 3000], "Retry-After honoured");
});

test("should ask again while an earlier attempt with its key is still being written (409 idempotency_key_in_use)", async () => {
  const { fetch, keys } = scripted([
    () => json(503, { error: { code: "log_unavailable", message: "not confirmed in time" } }, { "retry-after": "1" }),
    () => json(409, { error: { code: "idempotency_key_in_use", message: "in progress" } }, { "retry-after": "1" }),
    () => json(202, accepted),
  ]);
  const waits: number[] = [];
  const poster = new CommentPoster({ baseUrl: "http://x", token: "t", fetch, sleep: async (ms) => void waits.push(ms) });
  assert.deepEqual(await poster.post("s", "hello"), accepted);
  assert.equal(new Set(keys).size, 1);
  assert.deepEqual(waits, [1000, 1000]);
});

test("should give a fresh key to each comment and stop at once on a refusal that a retry cannot fix", async () => {
  const { fetch, keys } = scripted([() => json(202, accepted), () => json(409, { error: { code: "stream_ended", message: "ended" } })]);
  const poster = new CommentPoster({ baseUrl: "http://x", token: () => "t", fetch, sleep: async () => {} });
  await poster.post("s", "one");
  await assert.rejects(
    poster.post("s", "two"),
    (error: unknown) => error instanceof LiveCommentsError && error.code === "stream_ended" && error.status === 409,
  );
  assert.equal(keys.length, 2);
  assert.notEqual(keys[0], keys[1]);
});

test("should give up after the attempts allowed, with the last error", async () => {
  const { fetch } = scripted(Array.from({ length: 3 }, () => () => json(503, { error: { code: "log_unavailable", message: "down" } })));
  const poster = new CommentPoster({ baseUrl: "http://x", token: "t", fetch, maxAttempts: 3, sleep: async () => {} });
  await assert.rejects(poster.post("s", "x"), (error: unknown) => error instanceof LiveCommentsError && error.code === "log_unavailable");
});

test("should stop retrying when cancelled", async () => {
  const controller = new AbortController();
  const { fetch } = scripted(
    Array.from({ length: 5 }, () => () => json(503, { error: { code: "log_unavailable", message: "down" } }, { "retry-after": "30" })),
  );
  const poster = new CommentPoster({ baseUrl: "http://x", token: "t", fetch });
  const posting = poster.post("s", "x", { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(posting, (error: unknown) => error instanceof LiveCommentsError && error.code === "aborted");
});

test("should ask a token function again and retry once when the post is answered 401, and no more", async () => {
  const authorizations: string[] = [];
  const answers = [401, 202, 401, 401];
  const fetch = async (_input: string, init?: RequestInit) => {
    authorizations.push(new Headers(init?.headers).get("authorization") ?? "");
    const status = answers.shift()!;
    return status === 202 ? json(202, accepted) : json(401, { error: { code: "unauthenticated", message: "token expired" } });
  };
  let issued = 0;
  const poster = new CommentPoster({ baseUrl: "http://x", token: () => `t${++issued}`, fetch, sleep: async () => {} });
  assert.deepEqual(await poster.post("s", "hello"), accepted);
  assert.deepEqual(authorizations, ["Bearer t1", "Bearer t2"], "the retry carries the fresh token");
  await assert.rejects(poster.post("s", "again"), (error: LiveCommentsError) => error.code === "unauthenticated" && error.status === 401);
  assert.equal(authorizations.length, 4, "one retry, not a loop");

  const fixed = new CommentPoster({
    baseUrl: "http://x",
    token: "old",
    fetch: async () => json(401, { error: { code: "unauthenticated", message: "expired" } }),
  });
  await assert.rejects(fixed.post("s", "x"), /expired/, "a fixed token cannot be renewed: refused at once");
});

test("should send the browser's cookies with credentials include, and no Authorization header without a token", async () => {
  const seen: RequestInit[] = [];
  const poster = new CommentPoster({
    baseUrl: "http://x",
    credentials: "include",
    fetch: async (_input, init) => {
      seen.push(init ?? {});
      return json(202, accepted);
    },
  });
  await poster.post("s", "hello");
  assert.equal(seen[0]!.credentials, "include");
  assert.equal(new Headers(seen[0]!.headers).get("authorization"), null);
});
