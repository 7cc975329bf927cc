// Slow and hostile clients against the one-process system, with its limits made small so the
// cut-offs happen quickly: what the server does to them, and that healthy clients are unharmed.
// (How much they cost healthy viewers in latency is measured by `npm run bench:hostile`.)
import assert from "node:assert/strict";
import { connect as connectHttp2 } from "node:http2";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterAll, beforeAll, test } from "vitest";
import type { EmbeddedSystem } from "../harness/embedded-system.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import { ApiClient } from "../harness/http-client.js";
import { SseRecorder } from "../harness/sse-client.js";

const TIMEOUT_MS = 1_000;

let system: EmbeddedSystem;
let api: ApiClient;
let port: number;

beforeAll(async () => {
  system = await startEmbeddedSystem({
    env: {
      LC_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
      LC_BODY_TIMEOUT_MS: String(TIMEOUT_MS),
      LC_MAX_VIEWER_BUFFER_BYTES: String(64 * 1024),
      LC_RATE_LIMITS: "off",
      LC_MAX_TEXT_CHARS: "8000",
    },
  });
  api = new ApiClient(system.http, system.jwtSecret);
  port = Number(new URL(system.http.edge).port);
});

afterAll(async () => {
  await system.stop();
  system.dispose();
});

/** A raw connection and everything it received; `ended` resolves when the server closes it. */
function rawConnection(): { socket: Socket; received: () => string; ended: Promise<number> } {
  const socket = connect({ host: "127.0.0.1", port });
  const opened = Date.now();
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  socket.on("error", () => {});
  const ended = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
  return { socket, received: () => received, ended };
}

test("should cut off a viewer that never reads while a healthy viewer of the same stream gets every comment in order", async () => {
  const streamId = await api.createStream();
  const healthy = new SseRecorder(`${system.http.edge}/v1/streams/${streamId}/comments/subscribe?max_rate=1000`);
  await healthy.opened();
  const stalled = rawConnection();
  stalled.socket.write(`GET /v1/streams/${streamId}/comments/subscribe?max_rate=1000 HTTP/1.1\r\nHost: x\r\n\r\n`);
  await new Promise((resolve) => stalled.socket.once("data", resolve));
  stalled.socket.pause();

  // About 6 MB to each viewer: past what the kernel buffers (a loopback socket's send buffer
  // grows to 4 MiB) plus the 64 KiB limit hold. Paced under the viewer's max_rate, so the
  // healthy one is sent every comment.
  const count = 800;
  const token = await api.token("loud");
  const padding = "x".repeat(7_900);
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        api.request("POST", `/v1/streams/${streamId}/comments`, { token, json: { text: `${i + j} ${padding}` } }).then((r) => assert.equal(r.status, 202)),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await healthy.until(() => healthy.comments().length >= count, 20_000);
  const texts = healthy.comments().map((c) => Number(c.text.split(" ")[0]));
  assert.deepEqual(
    texts,
    Array.from({ length: count }, (_, i) => i),
    "the healthy viewer got every comment once, in order",
  );
  healthy.close();

  // Reading what is left shows whether the server ended the stalled stream or still holds it.
  stalled.socket.resume();
  const outcome = await Promise.race([
    stalled.ended.then(() => "closed by the server"),
    new Promise((resolve) => setTimeout(() => resolve("still open"), 5_000)),
  ]);
  stalled.socket.destroy();
  assert.equal(outcome, "closed by the server", `received ${stalled.received().length} bytes`);
  assert.ok(stalled.received().length < count * 7_900, "it was cut off before the whole stream");
});

test("should answer 408 and close a connection whose request head trickles in", async () => {
  const slow = rawConnection();
  const head = "POST /v1/streams/x/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  let sent = 0;
  const trickle = setInterval(() => slow.socket.writable && slow.socket.write(head[sent++ % head.length]!), 100);
  const closedAfterMs = await slow.ended;
  clearInterval(trickle);
  assert.match(slow.received(), /^HTTP\/1\.1 408 /);
  assert.ok(closedAfterMs < TIMEOUT_MS + 3_000, `closed after ${closedAfterMs} ms`);
});

test("should close a connection that sends nothing", async () => {
  const silent = rawConnection();
  const closedAfterMs = await silent.ended;
  assert.equal(silent.received(), "");
  assert.ok(closedAfterMs >= TIMEOUT_MS - 100 && closedAfterMs < TIMEOUT_MS + 3_000, `closed after ${closedAfterMs} ms`);
});

test("should answer 408 request_timeout to a post whose body trickles in, then close the connection", async () => {
  const streamId = await api.createStream();
  const token = await api.token("slow-poster");
  const slow = rawConnection();
  slow.socket.write(
    `POST /v1/streams/${streamId}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text":`,
  );
  const trickle = setInterval(() => slow.socket.writable && slow.socket.write(" "), 200);
  await slow.ended;
  clearInterval(trickle);
  assert.match(slow.received(), /^HTTP\/1\.1 408 /);
  assert.match(slow.received(), /"code":"request_timeout"/);
  const after = await api.request("POST", `/v1/streams/${streamId}/comments`, { token, json: { text: "still served" } });
  assert.equal(after.status, 202);
});

test("should answer 408 to HTTP/2 posts whose body never ends, and keep serving the same connection", async () => {
  const streamId = await api.createStream();
  const token = await api.token("h2-poster");
  const session = connectHttp2(system.http.ingest);
  try {
    const post = (body: string, end: boolean) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = session.request({
          ":method": "POST",
          ":path": `/v1/streams/${streamId}/comments`,
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
        });
        let text = "";
        let status = 0;
        request.on("response", (headers) => (status = Number(headers[":status"])));
        request.on("data", (chunk: Buffer) => (text += chunk.toString()));
        request.on("end", () => resolve({ status, body: text }));
        request.on("error", reject);
        if (end) request.end(body);
        else request.write(body);
      });
    const stalled = await Promise.all(Array.from({ length: 20 }, () => post('{"text":', false)));
    for (const answer of stalled) {
      assert.equal(answer.status, 408);
      assert.match(answer.body, /"code":"request_timeout"/);
    }
    const fine = await post(JSON.stringify({ text: "after the stalled ones" }), true);
    assert.equal(fine.status, 202);
  } finally {
    session.destroy();
  }
});
