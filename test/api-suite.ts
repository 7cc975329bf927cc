import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { SignJWT } from "jose";
import type { CommentJson } from "../core/comment.js";
import { PlaybackService } from "../gen/livecomments/v1/playback_service_pb.js";
import type { SubscribeAllResponse } from "../gen/livecomments/v1/fanout_relay_pb.js";
import type { SystemUnderTest } from "../harness/system.js";
import { ApiClient, errorCode } from "../harness/http-client.js";
import type { Accepted } from "../harness/http-client.js";
import { SseRecorder } from "../harness/sse-client.js";
import { sleep } from "../harness/until.js";
import { timelineAgrees } from "../harness/timeline-check.js";
import { GrpcClients, bearer } from "../harness/grpc-client.js";
import { ModerationService } from "../gen/livecomments/v1/moderation_service_pb.js";
import { scrape } from "../harness/prometheus-text.js";
import { bufCurlMethods, healthStatus, reflectedMethods, reflectedServices } from "../harness/grpc-introspection-client.js";

/**
 * The black-box suite of the public API. Every mode runs the same suite against a running
 * deployment, so the modes cannot drift apart.
 */
export function apiSuite(mode: string, start: () => Promise<SystemUnderTest>): void {
  describe(`public API (${mode})`, () => {
    let system: SystemUnderTest;
    let api: ApiClient;
    let grpc: GrpcClients;
    beforeAll(async () => {
      system = await start();
      api = new ApiClient(system.http, system.jwtSecret);
      grpc = new GrpcClients(system.grpc.ingest, system.grpc.relay);
    });
    afterAll(async () => {
      grpc?.close();
      await system?.stop();
    });
    const user = () => `user-${Math.random().toString(36).slice(2, 10)}`;
    const postPath = (streamId: string) => `/v1/streams/${streamId}/comments`;

    describe("streams", () => {
      it("should create, read and end a stream with scope streams:admin", async () => {
        const admin = await api.token("admin", "streams:admin");
        const created = await api.request("POST", "/v1/streams", { token: admin, json: { stream_id: `s-${user()}`, title: " Final " } });
        assert.equal(created.status, 201);
        const streamId = created.json.stream_id as string;
        assert.equal(created.json.title, "Final");
        assert.ok(Math.abs((created.json.started_at as number) - Date.now()) < 10_000);
        const read = await api.request("GET", `/v1/streams/${streamId}`);
        assert.equal(read.json.ended_at, null);
        assert.equal(read.json.comment_count, 0);
        const ended = await api.request("POST", `/v1/streams/${streamId}/end`, { token: admin });
        assert.equal(ended.status, 200);
        assert.equal(typeof ended.json.ended_at, "number");
      });

      it("should choose an id when none is given", async () => {
        const created = await api.request("POST", "/v1/streams", { token: await api.token("admin", "streams:admin"), json: {} });
        assert.equal(created.status, 201);
        assert.match(created.json.stream_id as string, /^[0-9a-f-]{36}$/);
      });

      it("should refuse without the scope, without a token, for a taken id and an unknown stream", async () => {
        const streamId = await api.createStream();
        const admin = await api.token("admin", "streams:admin");
        const cases = [
          [await api.request("POST", "/v1/streams", { token: await api.token("viewer"), json: {} }), 403, "permission_denied"],
          [await api.request("POST", "/v1/streams", { json: {} }), 401, "unauthenticated"],
          [await api.request("POST", "/v1/streams", { token: admin, json: { stream_id: streamId } }), 409, "stream_exists"],
          [await api.request("POST", "/v1/streams", { token: admin, json: { stream_id: "bad id!" } }), 400, "invalid_stream_id"],
          [await api.request("POST", "/v1/streams/nope-nope/end", { token: admin }), 404, "stream_not_found"],
          [await api.request("GET", "/v1/streams/nope-nope"), 404, "stream_not_found"],
        ] as const;
        for (const [response, status, code] of cases) {
          assert.equal(response.status, status, response.text);
          assert.equal(errorCode(response), code);
        }
      });
    });

    describe("posting", () => {
      it("should answer 202 with comment_id, seq, server_ts and offset_ms", async () => {
        const streamId = await api.createStream();
        const started = (await api.request("GET", `/v1/streams/${streamId}`)).json.started_at as number;
        const first = await api.post(streamId, user(), "first");
        const second = await api.post(streamId, user(), "second");
        assert.match(first.comment_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.ok(second.seq > first.seq);
        assert.equal(first.offset_ms, first.server_ts - started);
      });

      it("should answer every documented error status with a JSON error", async () => {
        const streamId = await api.createStream();
        const ended = await api.createStream();
        await api.request("POST", `/v1/streams/${ended}/end`, { token: await api.token("admin", "streams:admin") });
        const token = await api.token(user());
        const expired = await api.token(user(), undefined, -120);
        const wrongKey = await new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("x")
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode("not-the-secret"));
        const withoutExp = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("forever").sign(new TextEncoder().encode(system.jwtSecret));
        const json = { "content-type": "application/json" };
        const cases: [string, Promise<Awaited<ReturnType<ApiClient["request"]>>>, number, string][] = [
          ["malformed JSON", api.request("POST", postPath(streamId), { token, body: '{"text":', headers: json }), 400, "invalid_json"],
          ["empty text", api.request("POST", postPath(streamId), { token, json: { text: "   " } }), 400, "invalid_argument"],
          ["text too long", api.request("POST", postPath(streamId), { token, json: { text: "x".repeat(301) } }), 400, "invalid_argument"],
          ["control character", api.request("POST", postPath(streamId), { token, json: { text: "a\u0000b" } }), 400, "invalid_argument"],
          ["missing token", api.request("POST", postPath(streamId), { json: { text: "hi" } }), 401, "unauthenticated"],
          ["expired token", api.request("POST", postPath(streamId), { token: expired, json: { text: "hi" } }), 401, "unauthenticated"],
          ["token without exp", api.request("POST", postPath(streamId), { token: withoutExp, json: { text: "hi" } }), 401, "unauthenticated"],
          ["token signed with another key", api.request("POST", postPath(streamId), { token: wrongKey, json: { text: "hi" } }), 401, "unauthenticated"],
          ["unknown stream", api.request("POST", postPath("no-such-stream"), { token, json: { text: "hi" } }), 404, "stream_not_found"],
          ["ended stream", api.request("POST", postPath(ended), { token, json: { text: "hi" } }), 409, "stream_ended"],
          [
            "body too large",
            api.request("POST", postPath(streamId), { token, body: JSON.stringify({ text: "x".repeat(20_000) }), headers: json }),
            413,
            "payload_too_large",
          ],
          [
            "not JSON",
            api.request("POST", postPath(streamId), { token, body: "text=hi", headers: { "content-type": "application/x-www-form-urlencoded" } }),
            415,
            "unsupported_media_type",
          ],
        ];
        for (const [name, pending, status, code] of cases) {
          const response = await pending;
          assert.equal(response.status, status, `${name}: ${response.text}`);
          assert.equal(errorCode(response), code, name);
        }
        const window = await api.request("GET", `${postPath(streamId)}?start_time=0&duration=3600`);
        assert.deepEqual(window.json.comments, [], "nothing refused was stored");
      });

      it("should answer 429 with Retry-After past the per-user burst", async () => {
        const streamId = await api.createStream();
        const token = await api.token(user());
        const statuses: number[] = [];
        let limited;
        for (let i = 0; i < 12; i++) {
          const response = await api.request("POST", postPath(streamId), { token, json: { text: `n${i}` } });
          statuses.push(response.status);
          if (response.status === 429) limited = response;
        }
        assert.deepEqual(statuses, [...Array(10).fill(202), 429, 429]);
        assert.equal(errorCode(limited!), "rate_limited");
        assert.ok(Number(limited!.headers.get("retry-after")) >= 1);
      });

      it("should return the first answer to a retry with the same Idempotency-Key", async () => {
        const streamId = await api.createStream();
        const token = await api.token(user());
        const send = () => api.request("POST", postPath(streamId), { token, json: { text: "once" }, headers: { "idempotency-key": "retry-1" } });
        const first = await send();
        const retry = await send();
        assert.equal(first.status, 202);
        assert.equal(retry.status, 202);
        assert.deepEqual(retry.json, first.json);
        const other = await api.request("POST", postPath(streamId), {
          token: await api.token(user()),
          json: { text: "other user" },
          headers: { "idempotency-key": "retry-1" },
        });
        assert.notEqual(other.json.comment_id, first.json.comment_id, "keys are per user");
        const archived = await api.waitForArchive(streamId, 2);
        assert.equal(archived.filter((c) => c.text === "once").length, 1);
      });
    });

    describe("live SSE", () => {
      it("should answer 404 for an unknown stream", async () => {
        const response = await api.request("GET", "/v1/streams/no-such-stream/comments/subscribe");
        assert.equal(response.status, 404);
        assert.equal(errorCode(response), "stream_not_found");
      });

      it("should start with retry and send heartbeats", async () => {
        const streamId = await api.createStream();
        const controller = new AbortController();
        const response = await fetch(api.url(`/v1/streams/${streamId}/comments/subscribe`), { signal: controller.signal });
        assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
        const reader = response.body!.getReader();
        let text = "";
        const deadline = Date.now() + 5_000;
        while (!text.includes(": heartbeat") && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
        controller.abort();
        assert.match(text, /^retry: \d+\n\n/);
        assert.match(text, /\n: heartbeat\n\n/);
      });

      it("should deliver posted comments in batched comments events with the last seq as id", async () => {
        const streamId = await api.createStream();
        const viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`));
        try {
          await viewer.opened();
          const author = user();
          const posted = [await api.post(streamId, author, "one"), await api.post(streamId, author, "two"), await api.post(streamId, author, "three")];
          await viewer.until(() => viewer.comments().length >= 3);
          const received = viewer.comments();
          assert.deepEqual(
            received.map((c) => c.text),
            ["one", "two", "three"],
          );
          assert.deepEqual(
            received.map((c) => c.seq),
            posted.map((p) => p.seq),
          );
          assert.ok(viewer.events.every((e) => e.type === "comments" || e.type === "viewers"));
          // A viewers event may come at any time; the id that counts is the last batch's.
          assert.equal(viewer.events.filter((e) => e.type === "comments").at(-1)!.lastEventId, String(posted[2]!.seq));
          assert.deepEqual(Object.keys(received[0]!).sort(), ["comment_id", "offset_ms", "seq", "server_ts", "stream_id", "text", "user_id", "username"]);
          assert.equal(received[0]!.username, `Name of ${author}`);
        } finally {
          viewer.close();
        }
      });

      it("should send one new_comment event per comment with batch_ms=0", async () => {
        const streamId = await api.createStream();
        const viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe?batch_ms=0`));
        try {
          await viewer.opened();
          const author = user();
          const posted = [await api.post(streamId, author, "a"), await api.post(streamId, author, "b")];
          const commentEvents = () => viewer.events.filter((e) => e.type !== "viewers");
          await viewer.until(() => commentEvents().length >= 2);
          assert.deepEqual(
            commentEvents().map((e) => e.type),
            ["new_comment", "new_comment"],
          );
          assert.deepEqual(
            commentEvents().map((e) => e.lastEventId),
            posted.map((p) => String(p.seq)),
          );
        } finally {
          viewer.close();
        }
      });

      it("should resume after Last-Event-ID with every missed comment once, then go live", async () => {
        const streamId = await api.createStream();
        const author = user();
        const posted = [];
        for (const text of ["m1", "m2", "m3", "m4"]) posted.push(await api.post(streamId, author, text));
        const expected = ["m3", "m4"];
        for (const [name, viewer] of [
          ["header", new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`), String(posted[1]!.seq))],
          ["query", new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe?last_event_id=${posted[1]!.seq}`))],
        ] as const) {
          try {
            await viewer.opened();
            await viewer.until(() => viewer.comments().length >= expected.length);
            const live = await api.post(streamId, author, `live-${name}`);
            expected.push(`live-${name}`);
            await viewer.until(() => viewer.comments().some((c) => c.seq === live.seq));
            assert.deepEqual(
              viewer.comments().map((c) => c.text),
              expected,
              name,
            );
          } finally {
            viewer.close();
          }
        }
        const refused = await api.request("GET", `/v1/streams/${streamId}/comments/subscribe?last_event_id=abc`);
        assert.equal(refused.status, 400);
      });

      it("should cap a viewer's rate with a fair sample, count what it left out, and keep the viewer's own comments", async () => {
        const streamId = await api.createStream();
        const me = user();
        const token = await api.token(me);
        const viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe?max_rate=2&batch_ms=300&access_token=${token}`));
        try {
          await viewer.opened();
          const others = Array.from({ length: 10 }, () => user());
          const posted = await Promise.all([
            ...others.slice(0, 5).map((u) => api.post(streamId, u, `from ${u}`)),
            api.post(streamId, me, "mine"),
            ...others.slice(5).map((u) => api.post(streamId, u, `from ${u}`)),
          ]);
          const lastSeq = Math.max(...posted.map((p) => p.seq));
          await viewer.until(
            () => viewer.events.some((e) => e.type === "omitted" && (JSON.parse(e.data) as { through_seq: number }).through_seq === lastSeq),
            10_000,
          );
          const received = new Set(viewer.comments().map((c) => c.text));
          assert.ok(received.has("mine"), "the viewer's own comment is never sampled away");
          // A cap of 2/s keeps 2 at once, plus 0.6 per 300 ms window the posts spread over, plus its own.
          assert.ok(received.size <= 6, `sampled down: ${[...received].join(", ")}`);
          assert.ok(viewer.omittedCount() >= 11 - received.size, `counted ${viewer.omittedCount()} left out`);
        } finally {
          viewer.close();
        }
        const refused = await api.request("GET", `/v1/streams/${streamId}/comments/subscribe?access_token=not-a-token`);
        assert.equal(refused.status, 401);
      });

      it("should count a stream's viewers, tell them in a viewers event and answer it over HTTP", async () => {
        const streamId = await api.createStream();
        const viewers = [0, 1, 2].map(() => new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`)));
        try {
          await Promise.all(viewers.map((v) => v.opened()));
          const counted = (v: SseRecorder) => v.events.some((e) => e.type === "viewers" && (JSON.parse(e.data) as { count: number }).count === 3);
          await Promise.all(viewers.map((v) => v.until(() => counted(v), 5_000)));
          const answer = await api.request("GET", `/v1/streams/${streamId}/viewers`);
          assert.deepEqual(answer.json, { stream_id: streamId, viewers: 3 });
        } finally {
          viewers.forEach((v) => v.close());
        }
        assert.equal((await api.request("GET", "/v1/streams/no-such-stream/viewers")).status, 404);
      });

      it("should refuse a bad batch_ms or history", async () => {
        const streamId = await api.createStream();
        for (const query of ["batch_ms=-1", "batch_ms=1001", "batch_ms=abc", "batch_ms=1.5", "history=201", "history=-1", "history=few"]) {
          const response = await api.request("GET", `/v1/streams/${streamId}/comments/subscribe?${query}`);
          assert.equal(response.status, 400, query);
          assert.equal(errorCode(response), "invalid_argument", query);
        }
      });
    });

    describe("long polling", () => {
      const poll = (streamId: string, query: string) => api.request("GET", `/v1/streams/${streamId}/comments/poll?${query}`);

      it("should answer the comments after after_seq, then wait for the next one", async () => {
        const streamId = await api.createStream();
        const author = user();
        const first = await api.post(streamId, author, "one");
        await api.post(streamId, author, "two");
        const third = await api.post(streamId, author, "three");
        const caughtUp = await poll(streamId, `after_seq=${first.seq}&timeout_ms=5000`);
        assert.equal(caughtUp.status, 200, caughtUp.text);
        assert.deepEqual(
          (caughtUp.json.comments as CommentJson[]).map((c) => c.text),
          ["two", "three"],
        );
        assert.equal(caughtUp.json.last_seq, third.seq);
        assert.equal(caughtUp.json.reset, null);

        const waiting = poll(streamId, `after_seq=${third.seq}&timeout_ms=10000`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const started = Date.now();
        await api.post(streamId, author, "four");
        const next = await waiting;
        assert.deepEqual(
          (next.json.comments as CommentJson[]).map((c) => c.text),
          ["four"],
        );
        assert.ok(Date.now() - started < 5_000, "answered when the comment came, not at the timeout");
      });

      it("should answer an empty list with the same cursor at the timeout", async () => {
        const streamId = await api.createStream();
        const posted = await api.post(streamId, user(), "only");
        // The cursor may be ahead of the relay, which has not read the comment yet: still no reset.
        const empty = await poll(streamId, `after_seq=${posted.seq}&timeout_ms=200`);
        assert.deepEqual(empty.json, { comments: [], events: [], last_seq: posted.seq, reset: null });
      });

      it("should refuse bad parameters and unknown streams", async () => {
        const streamId = await api.createStream();
        for (const query of ["after_seq=x", "after_seq=-1", "timeout_ms=60001", "timeout_ms=abc"]) {
          assert.equal((await poll(streamId, query)).status, 400, query);
        }
        assert.equal((await poll("no-such-stream", "timeout_ms=0")).status, 404);
      });
    });

    describe("playback", () => {
      const fill = async (count: number) => {
        const streamId = await api.createStream();
        const author = user();
        for (let i = 0; i < count; i++) {
          await api.post(streamId, author, `p${i}`);
          await new Promise((resolve) => setTimeout(resolve, 3)); // distinct offsets
        }
        return { streamId, all: await api.waitForArchive(streamId, count) };
      };
      const seconds = (ms: number) => (ms / 1000).toFixed(3);

      it("should return exactly the comments whose offset falls in the window, in order", async () => {
        const { streamId, all } = await fill(6);
        assert.deepEqual(
          all.map((c) => c.text),
          ["p0", "p1", "p2", "p3", "p4", "p5"],
        );
        const from = all[1]!.offset_ms;
        const to = all[4]!.offset_ms;
        const window = await api.request("GET", `/v1/streams/${streamId}/comments?start_time=${seconds(from)}&duration=${seconds(to - from)}`);
        assert.equal(window.status, 200);
        const expected = all.filter((c) => c.offset_ms >= from && c.offset_ms < to).map((c) => c.comment_id);
        assert.deepEqual(
          (window.json.comments as CommentJson[]).map((c) => c.comment_id),
          expected,
        );
        assert.equal(window.json.next_pagination_token, null);
        const empty = await api.request("GET", `/v1/streams/${streamId}/comments?start_time=3000&duration=60`);
        assert.deepEqual(empty.json, { comments: [], next_pagination_token: null });
      });

      it("should page with limit and pagination_token without gaps or repeats", async () => {
        const { streamId, all } = await fill(5);
        const seen: string[] = [];
        let token: string | null = null;
        let pages = 0;
        do {
          const query: string = `start_time=0&duration=3600&limit=2${token ? `&pagination_token=${encodeURIComponent(token)}` : ""}`;
          const page = await api.request("GET", `/v1/streams/${streamId}/comments?${query}`);
          assert.equal(page.status, 200, page.text);
          seen.push(...(page.json.comments as CommentJson[]).map((c) => c.comment_id));
          token = page.json.next_pagination_token as string | null;
          pages++;
        } while (token && pages < 10);
        assert.equal(pages, 3);
        assert.deepEqual(
          seen,
          all.map((c) => c.comment_id),
        );
      });

      it("should refuse bad parameters and tokens with 400, unknown streams with 404", async () => {
        const { streamId } = await fill(1);
        const base = `/v1/streams/${streamId}/comments`;
        for (const query of [
          "",
          "start_time=0",
          "duration=10",
          "start_time=-1&duration=10",
          "start_time=0&duration=0",
          "start_time=0&duration=99999",
          "start_time=0&duration=10&limit=5000",
          "start_time=x&duration=10",
          "start_time=0&duration=10&pagination_token=forged.token",
        ]) {
          const response = await api.request("GET", `${base}?${query}`);
          assert.equal(response.status, 400, query);
          assert.ok(errorCode(response), query);
        }
        assert.equal((await api.request("GET", "/v1/streams/unknown-one/comments?start_time=0&duration=10")).status, 404);
      });

      it("should serve pages with an ETag, answer 304 to a match, and cache an ended stream's pages for good, per revision", async () => {
        const { streamId, all: posted } = await fill(2);
        const path = `/v1/streams/${streamId}/comments?start_time=0&duration=180`;
        const live = await api.request("GET", path);
        const etag = live.headers.get("etag")!;
        assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
        assert.equal(live.headers.get("cache-control"), "public, max-age=2");
        const unchanged = await api.request("GET", path, { headers: { "if-none-match": etag } });
        assert.equal(unchanged.status, 304);
        assert.equal(unchanged.text, "");
        assert.equal((await api.request("GET", path, { headers: { "if-none-match": '"other"' } })).status, 200);

        await api.request("POST", `/v1/streams/${streamId}/end`, { token: await api.token("admin", "streams:admin") });
        /** Waits until the page at `query` is cached as `expected`, and answers it. */
        const cachedAs = async (query: string, expected: string) => {
          const deadline = Date.now() + 15_000;
          for (;;) {
            const page = await api.request("GET", `${path}${query}`);
            if (page.headers.get("cache-control") === expected) return page;
            if (Date.now() > deadline) assert.fail(`${query}: cache-control ${page.headers.get("cache-control")}, expected ${expected}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        };
        await cachedAs("&rev=0", "public, max-age=31536000, immutable");
        await cachedAs("", "public, max-age=60");
        const status = await api.request("GET", "/v1/archive/status");
        assert.equal(status.json.lag_comments, 0);
        assert.equal(status.json.lag_seconds, 0);
        assert.ok((status.json.written as number) >= 2);

        // A deletion after the end makes a new revision: its pages are final without the comment.
        const deleted = await api.request("DELETE", `/v1/streams/${streamId}/comments/${posted[0]!.comment_id}`, {
          token: await api.token("mod", "comments:moderate"),
        });
        assert.equal(deleted.status, 200, deleted.text);
        // Other processes see a stream's change within their registry cache's second.
        let revision = 0;
        for (const deadline = Date.now() + 5_000; revision === 0 && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100)))
          revision = (await api.request("GET", `/v1/streams/${streamId}`)).json.revision as number;
        assert.ok(revision > 0, "the deletion made a new revision");
        const revised = await cachedAs(`&rev=${revision}`, "public, max-age=31536000, immutable");
        assert.deepEqual(
          (revised.json.comments as CommentJson[]).map((c) => c.comment_id),
          [posted[1]!.comment_id],
        );
        assert.equal((await api.request("GET", `${path}&rev=0`)).headers.get("cache-control"), "public, max-age=60", "an old revision is cached briefly");
      });

      it("should thin a window to at most max_rate comments per second of video, evenly spread, in whole-second pages", async () => {
        const streamId = await api.createStream();
        // 20 comments at once: most within one second of video.
        await Promise.all(Array.from({ length: 20 }, (_, i) => api.post(streamId, user(), `b${i}`)));
        const all = await api.waitForArchive(streamId, 20);
        const perSecond = new Map<number, number>();
        for (const c of all) perSecond.set(Math.floor(c.offset_ms / 1000), (perSecond.get(Math.floor(c.offset_ms / 1000)) ?? 0) + 1);
        const thinned = await api.request("GET", `${postPath(streamId)}?start_time=0&duration=60&max_rate=3`);
        assert.equal(thinned.status, 200, thinned.text);
        const kept = thinned.json.comments as CommentJson[];
        const expected = [...perSecond.values()].reduce((sum, n) => sum + Math.min(3, n), 0);
        assert.equal(kept.length, expected, "at most 3 of each second");
        assert.ok(kept.every((c) => all.some((a) => a.comment_id === c.comment_id)));
        // Paged by whole seconds: pages of one comment still cover every second once.
        let token: string | null = null;
        const paged: CommentJson[] = [];
        do {
          const page = await api.request(
            "GET",
            `${postPath(streamId)}?start_time=0&duration=60&max_rate=3&limit=1${token ? `&pagination_token=${token}` : ""}`,
          );
          paged.push(...(page.json.comments as CommentJson[]));
          token = page.json.next_pagination_token as string | null;
        } while (token);
        assert.deepEqual(
          paged.map((c) => c.comment_id),
          kept.map((c) => c.comment_id),
        );
        assert.equal((await api.request("GET", `${postPath(streamId)}?start_time=0&duration=60&max_rate=0`)).status, 400);
      });

      it("should count a stream's archived comments in its metadata", async () => {
        const { streamId } = await fill(3);
        const summary = await api.request("GET", `/v1/streams/${streamId}`);
        assert.equal(summary.status, 200);
        assert.equal(summary.json.comment_count, 3);
        assert.equal(summary.json.stream_id, streamId);
      });

      it("should count comments per bucket of video time as the archive holds them: not deleted or held ones, approved ones where posted", async () => {
        const streamId = await api.createStream();
        const moderator = await api.token("mod", "comments:moderate");
        await api.request("PUT", `/v1/streams/${streamId}/blocked_terms`, { token: moderator, json: { terms: ["spoiler"] } });
        const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => api.post(streamId, user(), `burst ${i}`)));
        const [approved, denied] = [await api.post(streamId, user(), "spoiler one"), await api.post(streamId, user(), "spoiler two")];
        assert.deepEqual([approved.status, denied.status], ["held", "held"]);
        await sleep(1_100);
        const later = [await api.post(streamId, user(), "later"), await api.post(streamId, user(), "doomed")];
        assert.equal((await api.request("POST", `/v1/streams/${streamId}/held/${approved.comment_id}/approve`, { token: moderator })).status, 200);
        assert.equal((await api.request("POST", `/v1/streams/${streamId}/held/${denied.comment_id}/deny`, { token: moderator })).status, 204);
        await api.waitForArchive(streamId, 15);
        assert.equal((await api.request("DELETE", `${postPath(streamId)}/${later[1]!.comment_id}`, { token: moderator })).status, 200);
        const archived = await timelineAgrees(api, streamId, 14);
        assert.ok(archived.some((c) => c.comment_id === approved.comment_id) && !archived.some((c) => c.comment_id === denied.comment_id));
        assert.ok(burst.every((b) => archived.some((c) => c.comment_id === b.comment_id)));

        const timeline = await api.request("GET", `/v1/streams/${streamId}/timeline`);
        assert.equal(timeline.status, 200, timeline.text);
        assert.equal(timeline.json.bucket_s, 1, "a short stream: one-second buckets");
        const counts = timeline.json.counts as number[];
        const busiest = counts.indexOf(Math.max(...counts));
        assert.deepEqual(timeline.json.peaks, [{ offset_ms: busiest * 1000, count: counts[busiest] }], "the burst is the peak");
        const wide = await api.request("GET", `/v1/streams/${streamId}/timeline?bucket_s=300`);
        assert.deepEqual(wide.json.counts, [14]);

        for (const query of ["bucket_s=2", "bucket_s=0", "bucket_s=abc", "bucket_s=-1", "bucket_s=99999", "rev=x"]) {
          const refused = await api.request("GET", `/v1/streams/${streamId}/timeline?${query}`);
          assert.deepEqual([refused.status, errorCode(refused)], [400, "invalid_argument"], query);
        }
        const unknown = await api.request("GET", "/v1/streams/unknown-one/timeline");
        assert.deepEqual([unknown.status, errorCode(unknown)], [404, "stream_not_found"]);

        const client = createClient(PlaybackService, createConnectTransport({ baseUrl: system.http.archive, httpVersion: "1.1" }));
        const overConnect = await client.getTimeline({ streamId, bucketS: 1 });
        assert.deepEqual(overConnect.counts, counts);
        assert.deepEqual(
          overConnect.peaks.map((p) => [Number(p.offsetMs), p.count]),
          [[busiest * 1000, counts[busiest]]],
        );
        await assert.rejects(client.getTimeline({ streamId, bucketS: 7 }), /bucket_s/);

        // The archive reads the whole log again: every batch, deletion and approval delivered twice.
        const countBefore = (await api.request("GET", `/v1/streams/${streamId}`)).json.comment_count;
        await system.redeliverToArchive();
        for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
          const status = await api.request("GET", "/v1/archive/status");
          if (status.status === 200 && status.json.lag_comments === 0 && (status.json.written as number) >= 15) break;
          if (Date.now() > deadline) assert.fail(`the archive did not read the log again: ${status.text}`);
        }
        // The stream runs on: its timeline is longer, with nothing in the new seconds.
        const again = (await api.request("GET", `/v1/streams/${streamId}/timeline?bucket_s=1`)).json.counts as number[];
        assert.deepEqual(again.slice(0, counts.length), counts, "redelivery counted nothing twice");
        assert.ok(
          again.slice(counts.length).every((n) => n === 0),
          JSON.stringify(again),
        );
        assert.deepEqual((await timelineAgrees(api, streamId, 14)).map((c) => c.comment_id).sort(), archived.map((c) => c.comment_id).sort());
        assert.equal((await api.request("GET", `/v1/streams/${streamId}`)).json.comment_count, countBefore);
      });

      it("should cache a live timeline briefly with an ETag, an ended one for good per revision, and count a deletion after the end", async () => {
        const { streamId, all: posted } = await fill(3);
        const path = `/v1/streams/${streamId}/timeline?bucket_s=5`;
        const live = await api.request("GET", path);
        assert.equal(live.headers.get("cache-control"), "public, max-age=2");
        const etag = live.headers.get("etag")!;
        assert.equal((await api.request("GET", path, { headers: { "if-none-match": etag } })).status, 304);
        await api.request("POST", `/v1/streams/${streamId}/end`, { token: await api.token("admin", "streams:admin") });
        const cachedAs = async (query: string, expected: string) => {
          for (const deadline = Date.now() + 15_000; ; await sleep(100)) {
            const answer = await api.request("GET", `${path}${query}`);
            if (answer.headers.get("cache-control") === expected) return answer;
            if (Date.now() > deadline) assert.fail(`${query}: cache-control ${answer.headers.get("cache-control")}, expected ${expected}`);
          }
        };
        assert.deepEqual((await cachedAs("&rev=0", "public, max-age=31536000, immutable")).json.counts, [3]);
        await cachedAs("", "public, max-age=60");
        const deleted = await api.request("DELETE", `${postPath(streamId)}/${posted[0]!.comment_id}`, { token: await api.token("mod", "comments:moderate") });
        assert.equal(deleted.status, 200, deleted.text);
        let revision = 0;
        for (const deadline = Date.now() + 5_000; revision === 0 && Date.now() < deadline; await sleep(100))
          revision = (await api.request("GET", `/v1/streams/${streamId}`)).json.revision as number;
        assert.ok(revision > 0, "the deletion made a new revision");
        assert.deepEqual((await cachedAs(`&rev=${revision}`, "public, max-age=31536000, immutable")).json.counts, [2], "the new revision counts it out");
        await timelineAgrees(api, streamId, 2);
      });

      it("should serve PlaybackService over Connect and gRPC on the HTTP port", async () => {
        const { streamId, all } = await fill(3);
        for (const transport of [
          createConnectTransport({ baseUrl: system.http.archive, httpVersion: "1.1" }),
          createGrpcTransport({ baseUrl: (system.ops ?? system.http).archive }),
        ]) {
          const client = createClient(PlaybackService, transport);
          const page = await client.getWindow({ streamId, startMs: 0n, durationMs: 3_600_000n, limit: 2 });
          assert.deepEqual(
            page.comments.map((c) => c.commentId),
            all.slice(0, 2).map((c) => c.comment_id),
          );
          const next = await client.getWindow({ streamId, startMs: 0n, durationMs: 3_600_000n, limit: 2, paginationToken: page.nextPaginationToken });
          assert.deepEqual(
            next.comments.map((c) => c.text),
            ["p2"],
          );
          assert.equal(next.nextPaginationToken, "");
          await assert.rejects(client.getWindow({ streamId: "unknown-one", startMs: 0n, durationMs: 1000n }), /not_found|does not exist/);
        }
      });
    });

    describe("operations", () => {
      it("should answer /healthz and /readyz on every role, naming the engines it probed", async () => {
        for (const url of new Set(Object.values(system.ops ?? system.http))) {
          const alive = await fetch(`${url}/healthz`);
          assert.equal(alive.status, 200);
          const ready = await fetch(`${url}/readyz`);
          const body = (await ready.json()) as { status: string; checks: Record<string, string> };
          assert.equal(ready.status, 200, JSON.stringify(body));
          assert.equal(body.status, "ready");
          assert.ok(Object.keys(body.checks).length > 0, `${url} probes something`);
          for (const [engine, outcome] of Object.entries(body.checks)) assert.equal(outcome, "ok", `${url}: ${engine}`);
        }
      });

      it("should answer gRPC health checks and server reflection on every gRPC port", async () => {
        for (const [address, served] of [
          [system.grpc.ingest, ["livecomments.v1.CommentService", "livecomments.v1.StreamService"]],
          [system.grpc.relay, ["livecomments.v1.FanoutRelay"]],
        ] as const) {
          assert.equal(await healthStatus(address, ""), "SERVING", `${address}: the server`);
          for (const service of served) assert.equal(await healthStatus(address, service), "SERVING", `${address}: ${service}`);
          await assert.rejects(healthStatus(address, "no.such.Service"), /NOT_FOUND/);
          const listed = await reflectedServices(address);
          for (const service of [...served, "grpc.health.v1.Health"]) assert.ok(listed.includes(service), `${address} lists ${service}: ${listed.join(", ")}`);
        }
        assert.deepEqual(await reflectedMethods(system.grpc.ingest, "livecomments.v1.CommentService"), ["PostComment"]);
        assert.deepEqual(await reflectedMethods(system.grpc.relay, "livecomments.v1.FanoutRelay"), ["Subscribe", "SubscribeAll"]);
        for (const address of new Set([system.grpc.ingest, system.grpc.relay])) {
          const methods = await bufCurlMethods(address);
          for (const method of ["grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"])
            assert.ok(methods.includes(method), `${address}: ${methods.join(", ")}`);
          for (const service of await reflectedServices(address))
            assert.ok(
              methods.some((method) => method.startsWith(`${service}/`)),
              `buf curl describes ${service} at ${address}`,
            );
        }
      });

      it("should count accepted and refused comments and append latency on ingest's /metrics", async () => {
        const streamId = await api.createStream();
        const before = await scrape((system.ops ?? system.http).ingest);
        await api.post(streamId, user(), "counted");
        const invalid = await api.request("POST", postPath(streamId), { token: await api.token(user()), json: { text: "" } });
        assert.equal(invalid.status, 400);
        const unauthenticated = await api.request("POST", postPath(streamId), { json: { text: "no token" } });
        assert.equal(unauthenticated.status, 401);
        const after = await scrape((system.ops ?? system.http).ingest);
        const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
        assert.equal(delta("livecomments_comments_accepted_total"), 1);
        assert.equal(delta("livecomments_comments_rejected_total", { reason: "invalid_argument" }), 1);
        assert.equal(delta("livecomments_comments_rejected_total", { reason: "unauthenticated" }), 1);
        assert.equal(delta("livecomments_log_append_duration_seconds_count"), 1);
        assert.ok(after.has("process_cpu_user_seconds_total") && after.has("nodejs_eventloop_lag_seconds"), "the standard process metrics");
        for (const [name, type] of after.types) {
          if (!name.startsWith("livecomments_")) continue;
          assert.ok(after.helps.has(name), `${name} has HELP`);
          assert.equal(type === "counter", name.endsWith("_total"), `${name}: only counters end in _total`);
        }
      });

      it("should time requests by route template, method and status on every HTTP port, and gRPC calls by method and code", async () => {
        const streamId = await api.createStream();
        await api.post(streamId, user(), "timed");
        const probe = `/v1/streams/${streamId}/no-such-thing/${user()}`;
        assert.equal((await api.request("GET", probe)).status, 404);
        assert.equal(await healthStatus(system.grpc.ingest, ""), "SERVING");
        const ingest = await scrape((system.ops ?? system.http).ingest);
        const http = "livecomments_http_request_duration_seconds_count";
        assert.ok(ingest.value(http, { route: "/v1/streams/:id/comments", method: "POST", status: "202" }) >= 1, "the post, by its route template");
        assert.ok(ingest.value(http, { route: "unmatched", status: "404" }) >= 1, "an unknown path, under one label");
        const routes = ingest.labelValues(http, "route");
        assert.ok(!routes.some((route) => route.includes(streamId)), `no raw path is a label: ${routes.join(", ")}`);
        assert.ok(ingest.value("livecomments_grpc_request_duration_seconds_count", { method: "grpc.health.v1.Health/Check", code: "OK" }) >= 1);
        const [version] = ingest.labelValues("livecomments_build_info", "version");
        assert.match(version ?? "", /^\d+\.\d+\.\d+/);
        assert.deepEqual(ingest.labelValues("livecomments_build_info", "node_version"), [process.versions.node]);
        for (const url of new Set(Object.values(system.ops ?? system.http))) {
          await scrape(url);
          const metrics = await scrape(url); // tells of the scrape before it
          assert.ok(metrics.value(http, { route: "/metrics", method: "GET", status: "200" }) >= 1, `${url} times its own requests`);
          assert.equal(metrics.value("livecomments_build_info"), 1, `${url} says its build once`);
        }
      });

      it("should show viewers per stream, deliveries and batch sizes on the edge's /metrics", async () => {
        const streamId = await api.createStream();
        const viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`));
        try {
          await viewer.opened();
          const before = await scrape((system.ops ?? system.http).edge);
          assert.equal(before.value("livecomments_edge_stream_viewers", { stream_id: streamId }), 1);
          await api.post(streamId, user(), "delivered");
          await viewer.until(() => viewer.comments().length === 1);
          const after = await scrape((system.ops ?? system.http).edge);
          assert.ok(after.value("livecomments_edge_deliveries_total") - before.value("livecomments_edge_deliveries_total") >= 1);
          assert.ok(after.value("livecomments_edge_batch_comments_count") - before.value("livecomments_edge_batch_comments_count") >= 1);
          assert.ok(after.types.get("livecomments_edge_slow_viewers_dropped_total") === "counter");
        } finally {
          viewer.source.close();
        }
      });

      it("should time playback and report the archive's progress on the archive's /metrics", async () => {
        const streamId = await api.createStream();
        await api.post(streamId, user(), "archived");
        await api.waitForArchive(streamId, 1);
        const before = await scrape((system.ops ?? system.http).archive);
        const window = await api.request("GET", `/v1/streams/${streamId}/comments?start_time=0&duration=60`);
        assert.equal(window.status, 200);
        const after = await scrape((system.ops ?? system.http).archive);
        assert.equal(after.value("livecomments_playback_duration_seconds_count") - before.value("livecomments_playback_duration_seconds_count"), 1);
        assert.ok(after.value("livecomments_archive_comments_written_total") >= 1);
        assert.ok(after.types.has("livecomments_archive_lag_comments"));
      });
    });

    describe("moderation and the viewer's first second", () => {
      const moderatorToken = () => api.token("mod", "comments:moderate");
      const sseUrl = (streamId: string, query = "") => api.url(`/v1/streams/${streamId}/comments/subscribe?batch_ms=0${query}`);
      const eventsOf = (viewer: SseRecorder, type: string) => viewer.events.filter((e) => e.type === type).map((e) => JSON.parse(e.data) as unknown);
      /** The stream's own events in order; the periodic `viewers` count comes at any time between them. */
      const streamEventTypes = (viewer: SseRecorder) => viewer.events.filter((e) => e.type !== "viewers").map((e) => e.type);

      it("should start a new viewer with the recent comments and the pin, never a deleted one, then go live", async () => {
        const streamId = await api.createStream();
        const posted = [];
        for (let i = 0; i < 5; i++) posted.push(await api.post(streamId, user(), `c${i}`));
        const token = await moderatorToken();
        const deleted = await api.request("DELETE", `${postPath(streamId)}/${posted[3]!.comment_id}`, { token });
        assert.equal(deleted.status, 200, deleted.text);
        const pinned = await api.request("PUT", `/v1/streams/${streamId}/pin`, { token, json: { comment_id: posted[1]!.comment_id } });
        assert.equal(pinned.status, 200, pinned.text);
        assert.equal((pinned.json.pinned as CommentJson).text, "c1");
        const viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe?history=3`));
        const bare = new SseRecorder(sseUrl(streamId, "&history=0"));
        try {
          await viewer.until(() => viewer.events.some((e) => e.type === "pinned_comment"));
          assert.deepEqual(streamEventTypes(viewer), ["comments", "pinned_comment"]);
          assert.deepEqual(
            viewer.comments().map((c) => c.text),
            ["c1", "c2", "c4"],
          );
          assert.equal(viewer.events[0]!.lastEventId, String(posted[4]!.seq), "the id of the history is its last seq");
          assert.equal((eventsOf(viewer, "pinned_comment")[0] as CommentJson).comment_id, posted[1]!.comment_id);
          await bare.until(() => streamEventTypes(bare).length > 0);
          assert.deepEqual(streamEventTypes(bare), ["pinned_comment"], "history=0: the pin only");
          await api.post(streamId, user(), "live");
          await viewer.until(() => viewer.comments().some((c) => c.text === "live"));
          const unpinned = await api.request("DELETE", `/v1/streams/${streamId}/pin`, { token });
          assert.equal(unpinned.status, 204);
          await viewer.until(() => eventsOf(viewer, "pinned_comment").length === 2);
          assert.equal(eventsOf(viewer, "pinned_comment")[1], null);
          assert.equal((await api.request("GET", `/v1/streams/${streamId}`)).json.pinned, null);
        } finally {
          viewer.close();
          bare.close();
        }
      });

      it("should delete a comment for good: live, from replays, comment_count and resumes, the same answer on repeat", async () => {
        const streamId = await api.createStream();
        const viewer = new SseRecorder(sseUrl(streamId));
        try {
          await viewer.opened();
          const opening = await api.post(streamId, user(), "opening");
          const doomed = await api.post(streamId, user(), "abusive");
          const kept = await api.post(streamId, user(), "kind");
          await viewer.until(() => viewer.comments().length === 3);
          const token = await moderatorToken();
          const first = await api.request("DELETE", `${postPath(streamId)}/${doomed.comment_id}`, { token });
          assert.equal(first.status, 200, first.text);
          assert.equal(first.json.comment_id, doomed.comment_id);
          await viewer.until(() => eventsOf(viewer, "delete_comment").length === 1);
          assert.deepEqual(eventsOf(viewer, "delete_comment"), [{ comment_id: doomed.comment_id }]);
          const again = await api.request("DELETE", `${postPath(streamId)}/${doomed.comment_id}`, { token });
          assert.deepEqual(again.json, first.json, "the same answer on repeat");
          const refusals = [
            [await api.request("DELETE", `${postPath(streamId)}/01890000-0000-7000-8000-000000000000`, { token }), 404, "comment_not_found"],
            [await api.request("DELETE", `${postPath(streamId)}/${kept.comment_id}`, { token: await api.token(user()) }), 403, "forbidden"],
            [await api.request("DELETE", `${postPath(streamId)}/${kept.comment_id}`), 401, "unauthenticated"],
          ] as const;
          for (const [response, status, code] of refusals) {
            assert.equal(response.status, status, response.text);
            assert.equal(errorCode(response), code);
          }
          // Replays, the count, resumes and polls from before it never show it again.
          for (const deadline = Date.now() + 10_000; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
            const window = (await api.request("GET", `${postPath(streamId)}?start_time=0&duration=3600`)).json.comments as CommentJson[];
            const count = (await api.request("GET", `/v1/streams/${streamId}`)).json.comment_count;
            if (window.map((c) => c.text).join() === "opening,kind" && count === 2) break;
            if (Date.now() > deadline) assert.fail(`replay still shows ${window.map((c) => c.text).join()} (count ${String(count)})`);
          }
          const resumed = new SseRecorder(sseUrl(streamId), String(opening.seq));
          try {
            await resumed.until(() => resumed.events.some((e) => e.type === "delete_comment"));
            assert.deepEqual(
              resumed.comments().map((c) => c.text),
              ["kind"],
            );
          } finally {
            resumed.close();
          }
          const polled = await api.request("GET", `${postPath(streamId)}/poll?after_seq=${opening.seq}&timeout_ms=5000`);
          assert.deepEqual(
            (polled.json.comments as CommentJson[]).map((c) => c.text),
            ["kind"],
          );
          const fresh = new SseRecorder(sseUrl(streamId));
          try {
            await fresh.until(() => fresh.comments().length > 0);
            assert.deepEqual(
              fresh.comments().map((c) => c.text),
              ["opening", "kind"],
              "recent history",
            );
          } finally {
            fresh.close();
          }
        } finally {
          viewer.close();
        }
      });

      it("should refuse a banned user with 403 user_banned until unbanned, and a post too soon in slow mode with 429 slow_mode", async () => {
        const streamId = await api.createStream();
        const token = await moderatorToken();
        const troll = user();
        const banned = await api.request("PUT", `/v1/streams/${streamId}/bans/${troll}`, { token, json: { reason: "spam" } });
        assert.deepEqual([banned.status, banned.json], [200, { user_id: troll, until: null }]);
        const refused = await api.request("POST", postPath(streamId), { token: await api.token(troll), json: { text: "again" } });
        assert.deepEqual([refused.status, errorCode(refused)], [403, "user_banned"]);
        const timed = await api.request("PUT", `/v1/streams/${streamId}/bans/${user()}`, { token, json: { duration_s: 60 } });
        assert.ok(Math.abs((timed.json.until as number) - Date.now() - 60_000) < 10_000);
        assert.equal((await api.request("DELETE", `/v1/streams/${streamId}/bans/${troll}`, { token })).status, 204);
        await api.post(streamId, troll, "behaving now");

        const slow = await api.request("PATCH", `/v1/streams/${streamId}`, { token, json: { slow_mode_s: 30 } });
        assert.equal(slow.status, 200, slow.text);
        assert.equal(slow.json.slow_mode_s, 30);
        assert.equal((await api.request("GET", `/v1/streams/${streamId}`)).json.slow_mode_s, 30);
        const chatty = await api.token(user());
        assert.equal((await api.request("POST", postPath(streamId), { token: chatty, json: { text: "one" } })).status, 202);
        const tooSoon = await api.request("POST", postPath(streamId), { token: chatty, json: { text: "two" } });
        assert.deepEqual([tooSoon.status, errorCode(tooSoon)], [429, "slow_mode"]);
        assert.ok(Number(tooSoon.headers.get("retry-after")) > 0 && Number(tooSoon.headers.get("retry-after")) <= 30);
        for (const text of ["a moderator", "is not slowed"])
          assert.equal((await api.request("POST", postPath(streamId), { token, json: { text } })).status, 202);
        for (const [body, status] of [
          [{ slow_mode_s: 3601 }, 400],
          [{ slow_mode_s: "fast" }, 400],
        ] as const) {
          assert.equal((await api.request("PATCH", `/v1/streams/${streamId}`, { token, json: body })).status, status);
        }
        const forbidden = await api.request("PATCH", `/v1/streams/${streamId}`, { token: chatty, json: { slow_mode_s: 0 } });
        assert.equal(forbidden.status, 403);
        assert.equal((await api.request("PATCH", `/v1/streams/${streamId}`, { token, json: { slow_mode_s: 0 } })).json.slow_mode_s, 0);
      });

      it("should tell live viewers the stream ended after its last comment, and a viewer who comes later at once", async () => {
        const streamId = await api.createStream();
        const viewer = new SseRecorder(sseUrl(streamId));
        try {
          await viewer.opened();
          await api.post(streamId, user(), "last words");
          const ended = await api.request("POST", `/v1/streams/${streamId}/end`, { token: await api.token("admin", "streams:admin") });
          await viewer.until(() => viewer.events.some((e) => e.type === "stream_ended"));
          assert.deepEqual(streamEventTypes(viewer), ["new_comment", "stream_ended"]);
          assert.deepEqual(eventsOf(viewer, "stream_ended"), [{ stream_id: streamId, ended_at: ended.json.ended_at }]);
        } finally {
          viewer.close();
        }
        const late = new SseRecorder(sseUrl(streamId));
        try {
          await late.until(() => late.events.some((e) => e.type === "stream_ended"));
          assert.deepEqual(
            late.comments().map((c) => c.text),
            ["last words"],
          );
        } finally {
          late.close();
        }
      });

      it("should moderate through ModerationService over gRPC and Connect", async () => {
        const streamId = await api.createStream();
        const token = await moderatorToken();
        const doomed = await api.post(streamId, user(), "doomed");
        const deleted = await grpc.moderation.deleteComment({ streamId, commentId: doomed.comment_id }, bearer(token));
        assert.equal(deleted.commentId, doomed.comment_id);
        const troll = user();
        await grpc.moderation.banUser({ streamId, userId: troll, reason: "grpc" }, bearer(token));
        const refused = await api.request("POST", postPath(streamId), { token: await api.token(troll), json: { text: "x" } });
        assert.equal(errorCode(refused), "user_banned");
        await assert.rejects(
          grpc.moderation.unbanUser({ streamId, userId: troll }, bearer(await api.token(user()))),
          (error: { code?: number }) => error.code === 7,
        );
        const connect = createClient(ModerationService, createConnectTransport({ baseUrl: system.http.ingest, httpVersion: "1.1" }));
        const headers = { authorization: `Bearer ${token}` };
        const slowed = await connect.setSlowMode({ streamId, slowModeS: 5 }, { headers });
        assert.equal(slowed.stream?.slowModeS, 5);
        await connect.unbanUser({ streamId, userId: troll }, { headers });
        await api.post(streamId, troll, "back");
        await assert.rejects(connect.deleteComment({ streamId, commentId: doomed.comment_id }, {}), (error: { code?: number }) => error.code === 16);
      });
    });

    describe("moderation the platform already has", () => {
      const moderatorToken = () => api.token("mod", "comments:moderate");
      const sseUrl = (streamId: string) => api.url(`/v1/streams/${streamId}/comments/subscribe?batch_ms=0`);

      it("should hold comments with a blocked term, list them to moderators only, publish an approved one with a seq at its posting time and never show a denied one", async () => {
        const streamId = await api.createStream();
        const token = await moderatorToken();
        const terms = await api.request("PUT", `/v1/streams/${streamId}/blocked_terms`, { token, json: { terms: ["spoiler", "big reveal"] } });
        assert.deepEqual([terms.status, terms.json], [200, { terms: ["spoiler", "big reveal"] }]);
        assert.deepEqual((await api.request("GET", `/v1/streams/${streamId}/blocked_terms`, { token })).json, { terms: ["spoiler", "big reveal"] });
        const viewer = new SseRecorder(sseUrl(streamId));
        try {
          await viewer.opened();
          const held = await api.post(streamId, user(), "SPOILER: he wins");
          const heldToo = await api.post(streamId, user(), "the ｂｉｇ   réveal");
          const published = await api.post(streamId, user(), "spoilers are fine, so is a reveal");
          assert.deepEqual([held.status, heldToo.status, published.status], ["held", "held", "published"]);
          assert.equal("seq" in held, false, "a held comment has no seq yet");

          const listed = await api.request("GET", `/v1/streams/${streamId}/held`, { token });
          assert.equal(listed.status, 200, listed.text);
          const queue = listed.json.held as { comment: CommentJson; reason: string; held_at: number }[];
          assert.deepEqual(
            queue.map((h) => [h.comment.comment_id, h.comment.text, h.reason]),
            [
              [held.comment_id, "SPOILER: he wins", "blocked_term"],
              [heldToo.comment_id, "the ｂｉｇ   réveal", "blocked_term"],
            ],
          );
          const forbidden = await api.request("GET", `/v1/streams/${streamId}/held`, { token: await api.token(user()) });
          assert.deepEqual([forbidden.status, errorCode(forbidden)], [403, "forbidden"]);

          const approved = await api.request("POST", `/v1/streams/${streamId}/held/${held.comment_id}/approve`, { token });
          assert.equal(approved.status, 200, approved.text);
          assert.equal(approved.json.comment_id, held.comment_id);
          assert.ok((approved.json.seq as number) > published.seq, "its seq is given when it is approved");
          assert.equal(approved.json.offset_ms, queue[0]!.comment.offset_ms, "it keeps the moment it was posted");
          const denied = await api.request("POST", `/v1/streams/${streamId}/held/${heldToo.comment_id}/deny`, { token });
          assert.equal(denied.status, 204);
          for (const [action, id] of [
            ["deny", heldToo.comment_id],
            ["approve", heldToo.comment_id],
            ["approve", held.comment_id],
            ["approve", published.comment_id],
          ]) {
            const again = await api.request("POST", `/v1/streams/${streamId}/held/${id}/${action}`, { token });
            assert.deepEqual([again.status, errorCode(again)], [404, "held_not_found"], `${action} ${id}`);
          }
          assert.deepEqual((await api.request("GET", `/v1/streams/${streamId}/held`, { token })).json, { held: [] });

          await viewer.until(() => viewer.comments().length >= 2);
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.deepEqual(
            viewer.comments().map((c) => c.comment_id),
            [published.comment_id, held.comment_id],
            "viewers get the approved comment when approved, the denied one never",
          );
          const replay = await api.waitForArchive(streamId, 2);
          assert.deepEqual(
            replay.map((c) => [c.comment_id, c.offset_ms]),
            [
              [held.comment_id, queue[0]!.comment.offset_ms],
              [published.comment_id, published.offset_ms],
            ],
            "the replay places the approved comment where it was posted",
          );
        } finally {
          viewer.close();
        }
      });

      it("should stream the held queue to the stream's moderators: held_comment, then held_resolved with the approved comment's seq", async () => {
        const streamId = await api.createStream();
        const token = await moderatorToken();
        await api.request("PUT", `/v1/streams/${streamId}/blocked_terms`, { token, json: { terms: ["hush"] } });
        const refused = await api.request("GET", `/v1/streams/${streamId}/held/subscribe?access_token=${await api.token(user())}`);
        assert.deepEqual([refused.status, errorCode(refused)], [403, "forbidden"]);
        const queue = new SseRecorder(api.url(`/v1/streams/${streamId}/held/subscribe?access_token=${token}`));
        try {
          await queue.opened();
          const [kept, dropped] = [await api.post(streamId, user(), "hush now"), await api.post(streamId, user(), "HUSH again")];
          await queue.until(() => queue.events.filter((e) => e.type === "held_comment").length === 2);
          const approved = await api.request("POST", `/v1/streams/${streamId}/held/${kept.comment_id}/approve`, { token });
          await api.request("POST", `/v1/streams/${streamId}/held/${dropped.comment_id}/deny`, { token });
          await queue.until(() => queue.events.filter((e) => e.type === "held_resolved").length === 2);
          const events = queue.events.filter((e) => e.type.startsWith("held_")).map((e) => [e.type, JSON.parse(e.data) as Record<string, unknown>] as const);
          assert.deepEqual(
            events.map(([type, data]) => [
              type,
              type === "held_comment" ? (data.comment as CommentJson).comment_id : data.comment_id,
              data.reason ?? data.outcome,
            ]),
            [
              ["held_comment", kept.comment_id, "blocked_term"],
              ["held_comment", dropped.comment_id, "blocked_term"],
              ["held_resolved", kept.comment_id, "approved"],
              ["held_resolved", dropped.comment_id, "denied"],
            ],
          );
          assert.equal(events[2]![1].seq, approved.json.seq);
          assert.equal(events[3]![1].seq, null);
        } finally {
          queue.close();
        }
      });

      it("should show viewers each comment delay_s late and never one deleted within it, while moderators and the author see it at once", async () => {
        const streamId = await api.createStream();
        const token = await moderatorToken();
        const delayed = await api.request("PATCH", `/v1/streams/${streamId}`, { token, json: { delay_s: 5 } });
        assert.equal(delayed.json.delay_s, 5);
        const author = user();
        const url = (viewerToken?: string) => sseUrl(streamId) + (viewerToken ? `&access_token=${viewerToken}` : "");
        // Each edge reads the stream's delay when a viewer opens; another process sees the change within its registry cache's second.
        await sleep(1_500);
        const [anonymous, moderator, own] = [new SseRecorder(url()), new SseRecorder(url(token)), new SseRecorder(url(await api.token(author)))];
        try {
          await Promise.all([anonymous.opened(), moderator.opened(), own.opened()]);
          const has = (viewer: SseRecorder, id: string) => () => viewer.comments().some((c) => c.comment_id === id);
          const shown = await api.post(streamId, author, "seen late");
          const doomed = await api.post(streamId, user(), "gone before anyone saw it");
          const postedAt = Date.now();
          await moderator.until(has(moderator, shown.comment_id), 2_000);
          await own.until(has(own, shown.comment_id), 2_000);
          assert.equal(has(anonymous, shown.comment_id)(), false, "a viewer waits the delay");
          await api.waitForArchive(streamId, 2);
          const deleted = await api.request("DELETE", `${postPath(streamId)}/${doomed.comment_id}`, { token });
          assert.equal(deleted.status, 200, deleted.text);
          assert.ok(Date.now() - postedAt < 4_500, "deleted within the delay");
          await anonymous.until(has(anonymous, shown.comment_id), 8_000);
          assert.ok(Date.now() - postedAt >= 4_000, `shown ${Date.now() - postedAt} ms after the post`);
          await anonymous.until(() => anonymous.events.some((e) => e.type === "delete_comment"), 4_000);
          assert.equal(has(anonymous, doomed.comment_id)(), false, "a comment deleted within the delay is never shown");
          assert.ok(has(moderator, doomed.comment_id)(), "moderators saw it at once");
        } finally {
          for (const viewer of [anonymous, moderator, own]) viewer.close();
        }
      });

      it("should refuse bad blocked terms and modes with 400 naming the field, applying nothing", async () => {
        const streamId = await api.createStream();
        const token = await moderatorToken();
        await api.request("PUT", `/v1/streams/${streamId}/blocked_terms`, { token, json: { terms: ["kept"] } });
        const badTerms: [unknown, string][] = [
          [{ terms: Array.from({ length: 1_001 }, (_, i) => `t${i}`) }, "terms"],
          [{ terms: ["x".repeat(65)] }, "terms"],
          [{ terms: [""] }, "terms"],
          [{ terms: "kept" }, "terms"],
          [{ terms: ["ok", 5] }, "terms"],
        ];
        for (const [body, field] of badTerms) {
          const refused = await api.request("PUT", `/v1/streams/${streamId}/blocked_terms`, { token, json: body });
          assert.deepEqual([refused.status, errorCode(refused)], [400, "invalid_argument"]);
          assert.match(refused.text, new RegExp(field));
        }
        const notJson = await api.request("PUT", `/v1/streams/${streamId}/blocked_terms`, {
          token,
          body: "{terms:",
          headers: { "content-type": "application/json" },
        });
        assert.deepEqual([notJson.status, errorCode(notJson)], [400, "invalid_json"]);
        assert.deepEqual((await api.request("GET", `/v1/streams/${streamId}/blocked_terms`, { token })).json, { terms: ["kept"] });

        for (const [body, field] of [
          [{ members_only: true, delay_s: 11 }, "delay_s"],
          [{ unique_chat: "yes" }, "unique_chat"],
          [{ delay_s: -1 }, "delay_s"],
          [{ members_only: 1 }, "members_only"],
        ] as const) {
          const refused = await api.request("PATCH", `/v1/streams/${streamId}`, { token, json: body });
          assert.deepEqual([refused.status, errorCode(refused)], [400, "invalid_argument"], JSON.stringify(body));
          assert.match(refused.text, new RegExp(field));
        }
        const stream = (await api.request("GET", `/v1/streams/${streamId}`)).json;
        assert.deepEqual([stream.members_only, stream.unique_chat, stream.delay_s], [false, false, 0], "nothing was half-applied");
        const changed = await api.request("PATCH", `/v1/streams/${streamId}`, { token, json: { delay_s: 3, unique_chat: true } });
        assert.deepEqual([changed.status, changed.json.delay_s, changed.json.unique_chat, changed.json.members_only], [200, 3, true, false]);
      });

      it("should let the owner name moderators who moderate that stream only, and tell each caller its rank", async () => {
        const owner = user();
        const helper = user();
        const admin = await api.token("admin", "streams:admin");
        const created = await api.request("POST", "/v1/streams", { token: admin, json: { stream_id: `own-${user()}`, owner_id: owner } });
        assert.equal(created.status, 201, created.text);
        assert.equal(created.json.owner_id, owner);
        const streamId = created.json.stream_id as string;
        const other = await api.createStream();
        const [ownerToken, helperToken] = [await api.token(owner), await api.token(helper)];

        const rank = async (token?: string) => (await api.request("GET", `/v1/streams/${streamId}`, token ? { token } : {})).json.caller_rank;
        /** Waits for every process to see the owner's change: each caches a stream for a second. */
        const rankBecomes = async (token: string, expected: string) => {
          for (const deadline = Date.now() + 5_000; ; await sleep(100)) {
            const seen = await rank(token);
            if (seen === expected || Date.now() > deadline) return assert.equal(seen, expected);
          }
        };
        assert.deepEqual(
          [await rank(), await rank(ownerToken), await rank(helperToken), await rank(admin), await rank(await moderatorToken())],
          [undefined, "owner", "viewer", "admin", "moderator"],
        );
        const notYet = await api.request("DELETE", `/v1/streams/${streamId}/pin`, { token: helperToken });
        assert.deepEqual([notYet.status, errorCode(notYet)], [403, "forbidden"]);
        const named = await api.request("PUT", `/v1/streams/${streamId}/moderators/${helper}`, { token: ownerToken });
        assert.deepEqual([named.status, named.json], [200, { moderators: [helper] }]);
        await rankBecomes(helperToken, "moderator");
        for (const token of [helperToken, await api.token(user())]) {
          const refused = await api.request("PUT", `/v1/streams/${streamId}/moderators/${user()}`, { token });
          assert.deepEqual([refused.status, errorCode(refused)], [403, "forbidden"], "only the owner names moderators");
        }
        const badId = await api.request("PUT", `/v1/streams/${streamId}/moderators/${encodeURIComponent("two words")}`, { token: ownerToken });
        assert.deepEqual([badId.status, errorCode(badId)], [400, "invalid_argument"]);
        assert.match(badId.text, /user_id/);
        assert.deepEqual((await api.request("GET", `/v1/streams/${streamId}/moderators`, { token: ownerToken })).json, {
          owner_id: owner,
          moderators: [helper],
        });
        const overGrpc = await grpc.getStream({ streamId }, ownerToken);
        assert.deepEqual([overGrpc.stream?.ownerId, overGrpc.callerRank], [owner, "owner"]);
        assert.equal((await grpc.getStream({ streamId })).callerRank, undefined);

        // The helper moderates this stream, and only this one.
        const doomed = await api.post(streamId, user(), "doomed");
        await api.waitForArchive(streamId, 1);
        const deleted = await api.request("DELETE", `${postPath(streamId)}/${doomed.comment_id}`, { token: helperToken });
        assert.equal(deleted.status, 200, deleted.text);
        const elsewhere = await api.request("PATCH", `/v1/streams/${other}`, { token: helperToken, json: { slow_mode_s: 5 } });
        assert.deepEqual([elsewhere.status, errorCode(elsewhere)], [403, "forbidden"]);
        assert.equal((await api.request("DELETE", `/v1/streams/${streamId}/moderators/${helper}`, { token: ownerToken })).status, 204);
        await rankBecomes(helperToken, "viewer");
        assert.equal((await api.request("PATCH", `/v1/streams/${streamId}`, { token: helperToken, json: { slow_mode_s: 5 } })).status, 403);
      });

      it("should hold members-only, unique-chat and slow-mode streams to their rules, owners and moderators exempt", async () => {
        const owner = user();
        const admin = await api.token("admin", "streams:admin");
        const streamId = (await api.request("POST", "/v1/streams", { token: admin, json: { stream_id: `modes-${user()}`, owner_id: owner } })).json
          .stream_id as string;
        const ownerToken = await api.token(owner);
        const modes = await api.request("PATCH", `/v1/streams/${streamId}`, {
          token: ownerToken,
          json: { members_only: true, unique_chat: true, slow_mode_s: 60 },
        });
        assert.deepEqual([modes.status, modes.json.members_only, modes.json.unique_chat, modes.json.slow_mode_s], [200, true, true, 60]);

        const outsider = await api.request("POST", postPath(streamId), { token: await api.token(user()), json: { text: "let me in" } });
        assert.deepEqual([outsider.status, errorCode(outsider)], [403, "members_only"]);
        const elsewhere = await api.request("POST", postPath(streamId), { token: await api.memberToken(user(), ["another-stream"]), json: { text: "hi" } });
        assert.equal(errorCode(elsewhere), "members_only");
        const member = await api.memberToken(user(), [streamId]);
        const everywhere = await api.memberToken(user(), ["*"]);
        assert.equal((await api.request("POST", postPath(streamId), { token: member, json: { text: "GOAL!!" } })).status, 202);
        const repeated = await api.request("POST", postPath(streamId), { token: everywhere, json: { text: "  ｇｏａｌ!!   " } });
        assert.deepEqual([repeated.status, errorCode(repeated)], [409, "duplicate_text"]);
        assert.equal((await api.request("POST", postPath(streamId), { token: everywhere, json: { text: "what a goal" } })).status, 202);
        const slowed = await api.request("POST", postPath(streamId), { token: everywhere, json: { text: "and another" } });
        assert.deepEqual([slowed.status, errorCode(slowed)], [429, "slow_mode"]);
        // The owner and a moderator: not members, the same text, again and again.
        for (const token of [ownerToken, ownerToken, await moderatorToken(), await moderatorToken()]) {
          const answer = await api.request("POST", postPath(streamId), { token, json: { text: "GOAL!!" } });
          assert.equal(answer.status, 202, answer.text);
        }
      });

      it("should review held comments and modes through ModerationService over Connect and gRPC", async () => {
        const streamId = await api.createStream();
        const token = await moderatorToken();
        const connect = createClient(ModerationService, createConnectTransport({ baseUrl: system.http.ingest, httpVersion: "1.1" }));
        const headers = { authorization: `Bearer ${token}` };
        assert.deepEqual((await connect.setBlockedTerms({ streamId, terms: ["secret"] }, { headers })).terms, ["secret"]);
        assert.deepEqual((await grpc.moderation.getBlockedTerms({ streamId }, bearer(token))).terms, ["secret"]);
        const held = await api.post(streamId, user(), "the secret is out");
        const queue = await grpc.moderation.listHeldComments({ streamId }, bearer(token));
        assert.deepEqual(
          queue.held.map((h) => [h.comment?.commentId, h.reason]),
          [[held.comment_id, "blocked_term"]],
        );
        const approved = await connect.approveHeldComment({ streamId, commentId: held.comment_id }, { headers });
        assert.ok(Number(approved.comment?.seq) > 0);
        await assert.rejects(
          grpc.moderation.denyHeldComment({ streamId, commentId: held.comment_id }, bearer(token)),
          (error: { code?: number }) => error.code === 5,
        );
        const modes = await grpc.moderation.updateStreamModes({ streamId, membersOnly: true, delayS: 2 }, bearer(token));
        assert.deepEqual([modes.stream?.membersOnly, modes.stream?.delayS, modes.stream?.uniqueChat], [true, 2, false]);
        await assert.rejects(grpc.moderation.updateStreamModes({ streamId, delayS: 99 }, bearer(token)), (error: { code?: number }) => error.code === 3);
        const admin = await api.token("admin", "streams:admin");
        assert.deepEqual((await connect.addModerator({ streamId, userId: "helper" }, { headers: { authorization: `Bearer ${admin}` } })).userIds, ["helper"]);
        assert.deepEqual((await grpc.moderation.listModerators({ streamId }, bearer(admin))).userIds, ["helper"]);
        await assert.rejects(connect.listModerators({ streamId }, { headers }), (error: { code?: number }) => error.code === 7, "a moderator is not the owner");
      });
    });

    describe("gRPC", () => {
      it("should post through CommentService with the same rules as HTTP", async () => {
        const streamId = await api.createStream();
        const token = await api.token(user());
        const accepted = await grpc.postComment({ streamId, text: " via gRPC ", idempotencyKey: "g-1" }, token);
        const again = await grpc.postComment({ streamId, text: " via gRPC ", idempotencyKey: "g-1" }, token);
        assert.equal(again.commentId, accepted.commentId);
        const archived = await api.waitForArchive(streamId, 1);
        assert.equal(archived[0]!.text, "via gRPC");
        assert.equal(archived[0]!.seq, Number(accepted.seq));
        const failures: [() => Promise<unknown>, number][] = [
          [() => grpc.postComment({ streamId, text: "x" }, undefined), 16],
          [() => grpc.postComment({ streamId: "no-such-stream", text: "x" }, token), 5],
          [() => grpc.postComment({ streamId, text: "" }, token), 3],
        ];
        for (const [call, code] of failures) await assert.rejects(call(), (error: { code?: number }) => error.code === code);
      });

      it("should stream a replay then live comments from FanoutRelay.Subscribe", async () => {
        const streamId = await api.createStream();
        const author = user();
        const first = await api.post(streamId, author, "before");
        await api.post(streamId, author, "replayed");
        const subscription = grpc.subscribe(streamId, first.seq, await api.token("backend", "relay:subscribe"));
        try {
          const texts = () => subscription.events.flatMap((e) => (e.event.case === "comments" ? e.event.value.comments.map((c) => c.text) : [e.event.case]));
          await subscription.until(() => texts().length >= 1);
          await api.post(streamId, author, "live");
          await subscription.until(() => texts().length >= 2);
          assert.deepEqual(texts(), ["replayed", "live"]);
        } finally {
          subscription.cancel();
        }
      });

      it("should stream every stream's records from FanoutRelay.SubscribeAll and resume from any cursor with nothing missed or repeated", async () => {
        const [a, b] = [await api.createStream(), await api.createStream()];
        const token = await api.token("backend", "relay:subscribe");
        const ours = (events: readonly SubscribeAllResponse[]) =>
          events.flatMap((e) =>
            e.records.filter((r) => r.record?.streamId === a || r.record?.streamId === b).map((r) => `${r.record!.streamId} ${r.record!.event.case}:${r.seq}`),
          );
        // Streams in different partitions interleave as they come; each keeps its order.
        const perStream = (records: readonly string[]) => [a, b].map((streamId) => records.filter((r) => r.startsWith(`${streamId} `)));
        const firehose = grpc.subscribeAll(undefined, token);
        try {
          await firehose.until((events) => events.length >= 1); // the starting cursor
          const posted: Accepted[] = [];
          for (let i = 0; i < 6; i++) posted.push(await api.post(i % 2 ? a : b, user(), `firehose ${i}`));
          const deleted = await api.request("DELETE", `/v1/streams/${a}/comments/${posted[1]!.comment_id}`, {
            token: await api.token("mod", "comments:moderate"),
          });
          assert.equal(deleted.status, 200);
          await firehose.until((events) => ours(events).length === 7, 10_000);
          const seen = ours(firehose.events);
          const [ofA, ofB] = perStream(seen);
          assert.deepEqual(
            ofA!.slice(0, 3),
            [1, 3, 5].map((i) => `${a} comment:${posted[i]!.seq}`),
          );
          assert.match(ofA![3]!, new RegExp(`^${a} deletion:`));
          assert.deepEqual(
            ofB,
            [0, 2, 4].map((i) => `${b} comment:${posted[i]!.seq}`),
          );
          for (const [index, message] of firehose.events.entries()) {
            const resumed = grpc.subscribeAll(message.cursor, token);
            try {
              const expected = seen.slice(ours(firehose.events.slice(0, index + 1)).length);
              await resumed.until((events) => events.length >= 1 && ours(events).length >= expected.length);
              await new Promise((resolve) => setTimeout(resolve, 200));
              assert.deepEqual(perStream(ours(resumed.events)), perStream(expected), `resumed after message ${index}`);
            } finally {
              resumed.cancel();
            }
          }
        } finally {
          firehose.cancel();
        }
        assert.equal((await grpc.subscribeAll("not-a-cursor", token).failed()).code, 3);
      });

      it("should refuse FanoutRelay.Subscribe and SubscribeAll without a token (UNAUTHENTICATED) or without scope relay:subscribe (PERMISSION_DENIED)", async () => {
        const streamId = await api.createStream();
        for (const [token, code] of [
          [undefined, 16],
          [await api.token(user()), 7],
          [await api.token("admin", "streams:admin"), 7],
        ] as const) {
          for (const subscription of [grpc.subscribe(streamId, undefined, token), grpc.subscribeAll(undefined, token)]) {
            try {
              for (const deadline = Date.now() + 5_000; !subscription.failure() && Date.now() < deadline;)
                await new Promise((resolve) => setTimeout(resolve, 20));
              assert.equal(subscription.failure()?.code, code);
              assert.deepEqual(subscription.events, [], "nothing was sent to a refused caller");
            } finally {
              subscription.cancel();
            }
          }
        }
      });

      it("should create and read streams through StreamService", async () => {
        const admin = await api.token("admin", "streams:admin");
        const created = await grpc.createStream({ streamId: `g-${user()}`, title: "grpc" }, admin);
        const read = await grpc.getStream({ streamId: created.stream!.streamId });
        assert.equal(read.stream!.title, "grpc");
        await assert.rejects(grpc.createStream({ title: "no scope" }, await api.token(user())), (error: { code?: number }) => error.code === 7);
      });
    });
  });
}
