// A fuzz run over the HTTP API: at least 100,000 random and mutated requests against the
// one-process system. Every answer must be a documented status (never a 5xx but 503), every
// REST error must be the API's JSON error, and the process must stay up and healthy.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "vitest";
import fc from "fast-check";
import { withEmbeddedSystem } from "../harness/embedded-system.js";
import { readResponseHead } from "../harness/raw-http.js";

const REQUESTS = Number(process.env.LC_FUZZ_REQUESTS ?? 100_000);
const CONNECTIONS = Number(process.env.LC_FUZZ_CONNECTIONS ?? 24);
// 204: OPTIONS on any route (Allow, and the CORS preflight for LC_CORS_ORIGINS).
const DOCUMENTED = new Set([200, 201, 202, 204, 206, 304, 400, 401, 403, 404, 405, 408, 409, 413, 415, 416, 429, 431, 503]);
const SEED = Number(process.env.LC_FUZZ_SEED ?? 20261127);

/** One request as bytes, and whether its framing was left intact (so the connection can go on). */
interface FuzzRequest {
  readonly bytes: Buffer;
  readonly framed: boolean;
  readonly connect: boolean;
}

function requests(token: string): fc.Arbitrary<FuzzRequest> {
  const streamId = fc.oneof(
    fc.constant("fz"),
    fc.constant("missing"),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
    fc.string({ maxLength: 80 }).map(encodeURIComponent),
    fc.constantFrom("..", "%2e%2e", "fz%00", "%ff", "fz/..", "a".repeat(600)),
  );
  const query = fc.oneof(
    fc.constant(""),
    fc
      .dictionary(
        fc.constantFrom(
          "start_time",
          "duration",
          "limit",
          "pagination_token",
          "batch_ms",
          "max_rate",
          "last_event_id",
          "after_seq",
          "timeout_ms",
          "access_token",
          "name",
          "x",
        ),
        fc.oneof(fc.nat().map(String), fc.string({ maxLength: 30 }), fc.constantFrom("-1", "1e9", "0.5", "NaN", "999999999999")),
      )
      .map((params) => (Object.keys(params).length ? `?${new URLSearchParams(params)}` : "")),
  );
  const path = fc.oneof(
    fc
      .tuple(streamId, fc.constantFrom("", "/end", "/comments", "/comments/poll", "/viewers", "/comments/subscribe", "/x"))
      .map(([id, rest]) => `/v1/streams/${id}${rest}`),
    fc.constantFrom(
      "/",
      "/v1/streams",
      "/healthz",
      "/v1/archive/status",
      "/sdk/livecomments.js",
      "/demo/guest-token",
      "/demo/replay.webm",
      "/livecomments.v1.PlaybackService/GetWindow",
      "//",
      "/v1//streams",
      "/%",
      "*",
    ),
    fc.string({ maxLength: 100 }).map((text) => `/${text}`),
  );
  const body = fc.oneof(
    fc.constant(""),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .record({ text: fc.string({ unit: "grapheme", maxLength: 320 }), client_ts: fc.option(fc.integer()), meta: fc.option(fc.jsonValue()) })
      .map((value) => JSON.stringify(value)),
    fc.nat({ max: 3_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
    fc.nat({ max: 80_000 }).map((size) => JSON.stringify({ text: "x".repeat(size) })),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  );
  const headers = fc.record(
    {
      authorization: fc.oneof(
        fc.constant(`Bearer ${token}`),
        fc.constant(`Bearer ${token.slice(0, -2)}xx`),
        fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
        fc.constantFrom("Basic abc", "Bearer", ""),
      ),
      "content-type": fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/connect+json",
        "",
        "json",
      ),
      "idempotency-key": fc.oneof(fc.uuid(), fc.string({ maxLength: 200 })),
      "last-event-id": fc.oneof(fc.nat().map(String), fc.string({ maxLength: 20 })),
      range: fc.constantFrom("bytes=0-10", "bytes=-5", "bytes=99999999-", "bytes=abc", "items=1-2"),
      "x-padding": fc.oneof({ arbitrary: fc.nat({ max: 200 }), weight: 9 }, { arbitrary: fc.nat({ max: 40_000 }), weight: 1 }).map((n) => "p".repeat(n)),
    },
    { requiredKeys: [] },
  );
  const method = fc.constantFrom("GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
  const framed = fc.tuple(method, path, query, headers, body).map(([m, p, q, h, b]) => {
    // A long poll waits for comments by design; the fuzz wants answers, so it never waits.
    if (p.endsWith("/poll")) q = `?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(q)), timeout_ms: "0" })}`;
    const content = Buffer.from(b, "latin1");
    const lines = Object.entries(h).map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, "")}`);
    const head = `${m} ${p.replace(/[\s]/g, "")}${q} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.map((l) => `${l}\r\n`).join("")}Content-Length: ${content.length}\r\n\r\n`;
    return { bytes: Buffer.concat([Buffer.from(head, "latin1"), content]), framed: true, connect: p.startsWith("/livecomments.") };
  });
  // Byte-level damage anywhere in a request: its framing may be gone, so it gets a connection of its own.
  const mutated = fc.tuple(framed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })).map(([request, flips]) => {
    const bytes = Buffer.from(request.bytes);
    for (const [at, value] of flips) bytes[at % bytes.length] = value;
    return { bytes, framed: false, connect: request.connect };
  });
  return fc.oneof({ arbitrary: framed, weight: 9 }, { arbitrary: mutated, weight: 1 });
}

/** Sends requests one at a time on one connection; resolves with each answer's status (0: none). */
class FuzzConnection {
  private socket: ReturnType<typeof connect> | undefined;
  constructor(private readonly port: number) {}

  /**
   * A server may close a kept-alive connection between two requests; like any HTTP client, a
   * request that gets no byte back on a reused connection is sent again on a fresh one.
   */
  async send(request: FuzzRequest): Promise<{ status: number; contentType: string; body: string }> {
    const reused = request.framed && this.socket !== undefined && !this.socket.destroyed;
    const answer = await this.sendOnce(request);
    return answer.status === 0 && reused ? this.sendOnce(request, true) : answer;
  }

  private sendOnce(request: FuzzRequest, fresh = false): Promise<{ status: number; contentType: string; body: string }> {
    return new Promise((resolve) => {
      if (fresh || !request.framed || !this.socket || this.socket.destroyed) {
        this.socket?.destroy();
        this.socket = connect({ host: "127.0.0.1", port: this.port });
        this.socket.on("error", () => {});
      }
      const socket = this.socket;
      let received = Buffer.alloc(0);
      let done = false;
      const finish = (status: number, contentType = "", body = "", keep = false) => {
        if (done) return;
        done = true;
        socket.off("data", onData);
        socket.off("close", onClose);
        clearTimeout(timer);
        if (!keep || !request.framed) socket.destroy();
        resolve({ status, contentType, body });
      };
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const head = readResponseHead(received);
        if (!head) return;
        const contentType = head.headers.get("content-type") ?? "";
        if (contentType.startsWith("text/event-stream") || /chunked/i.test(head.headers.get("transfer-encoding") ?? ""))
          return finish(head.status, contentType);
        const bodyBytes = request.bytes.toString("latin1").startsWith("HEAD ") ? 0 : (head.contentLength ?? 0);
        if (received.length < head.bodyStart + bodyBytes) return;
        const closes = /close/i.test(head.headers.get("connection") ?? "");
        finish(head.status, contentType, received.subarray(head.bodyStart, head.bodyStart + bodyBytes).toString("utf8"), !closes);
      };
      const onClose = () => finish(0, "", received.subarray(0, 120).toString("latin1"));
      const timer = setTimeout(() => finish(-1), 15_000);
      socket.on("data", onData);
      socket.on("close", onClose);
      socket.write(request.bytes);
      if (!request.framed) socket.end();
    });
  }

  close(): void {
    this.socket?.destroy();
  }
}

test(`should answer ${REQUESTS.toLocaleString("en")} random and mutated requests with documented statuses and stay up`, { timeout: 10 * 60_000 }, async () => {
  await withEmbeddedSystem({}, async (system, api) => {
    await api.createStream("fz");
    const token = await api.token("fuzzer");
    const port = Number(new URL(system.http.ingest).port);
    const arbitrary = requests(token);
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    let sent = 0;
    let seed = SEED;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const connection = new FuzzConnection(port);
        while (sent < REQUESTS) {
          const batch = fc.sample(arbitrary, { numRuns: 200, seed: seed++ });
          for (const request of batch) {
            if (sent >= REQUESTS) break;
            sent++;
            const answer = await connection.send(request);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            const head = request.bytes.subarray(0, 120).toString("latin1").split("\r\n")[0];
            if (answer.status === -1) problems.push(`no answer in 15 s: ${head}`);
            else if (answer.status === 0 && request.framed) problems.push(`connection closed without an answer: ${head} (${request.bytes.length} bytes)`);
            else if (answer.status !== 0 && !DOCUMENTED.has(answer.status)) problems.push(`${answer.status}: ${head} -> ${answer.body.slice(0, 200)}`);
            else if (answer.status >= 400 && !request.connect && answer.body !== "" && !/^\{"error":\{"code":"[a-z_]+","message":/.test(answer.body)) {
              problems.push(`${answer.status} without the API's JSON error: ${head} -> ${answer.body.slice(0, 200)}`);
            }
            if (problems.length > 20) return;
          }
        }
        connection.close();
      }),
    );
    process.stderr.write(`[fuzz] ${sent} requests, answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}\n`);
    assert.deepEqual(problems, []);
    assert.ok(sent >= REQUESTS);
    assert.equal(system.process.exitCode, null, "the process is still running");
    const health = await fetch(`${system.http.ingest}/healthz`);
    assert.equal(health.status, 200);
    // And it still does its job.
    const posted = await api.post("fz", "after-the-fuzz", "still here");
    assert.ok(posted.comment_id);
  });
});
