import assert from "node:assert/strict";
import { decodeLogRecord } from "../core/log-record.js";
import { connect as http2Connect } from "node:http2";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "vitest";
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../app/embedded-app.js";
import { errorCode } from "../harness/http-client.js";
import { withEmbeddedSystem } from "../harness/embedded-system.js";
import { rawExchange } from "../harness/raw-http.js";

/** Opens an SSE response and returns a reader of its text. */
async function openStream(url: string) {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  let text = "";
  return {
    response,
    /** Reads until the stream ends or `timeoutMs` passes; returns everything read. */
    async readToEnd(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return { text, ended: false };
        const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), left))]);
        if (chunk === null) return { text, ended: false };
        if (chunk.done) return { text, ended: true };
        text += new TextDecoder().decode(chunk.value);
      }
    },
  };
}

test("should refuse viewers past the per-IP limit with 429, and admit again when one leaves", () =>
  withEmbeddedSystem({ env: { LC_MAX_VIEWERS_PER_IP: "2" } }, async (system, api) => {
    const streamId = await api.createStream();
    const url = api.url(`/v1/streams/${streamId}/comments/subscribe`);
    const controllers = [new AbortController(), new AbortController()];
    for (const controller of controllers) assert.equal((await fetch(url, { signal: controller.signal })).status, 200);
    const refused = await api.request("GET", `/v1/streams/${streamId}/comments/subscribe`);
    assert.equal(refused.status, 429);
    assert.equal(errorCode(refused), "too_many_connections");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    controllers[0]!.abort();
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      const controller = new AbortController();
      status = (await fetch(url, { signal: controller.signal })).status;
      controller.abort();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, 200);
    controllers[1]!.abort();
  }));

test("should tell connected viewers to come back later with a retry when stopped with SIGTERM", () =>
  withEmbeddedSystem({}, async (system, api) => {
    const streamId = await api.createStream();
    const viewer = await openStream(api.url(`/v1/streams/${streamId}/comments/subscribe`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exited = new Promise<number | null>((resolve) => system.process.once("exit", resolve));
    system.process.kill("SIGTERM");
    const { text, ended } = await viewer.readToEnd(5_000);
    assert.equal(ended, true, "the stream was closed by the server");
    const retries = [...text.matchAll(/^retry: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(retries.length, 2, text);
    assert.ok(retries[1]! >= 500 && retries[1]! <= 5_500);
    assert.equal(await exited, 0);
  }));

test("should finish a comment in progress when stopped with SIGTERM, then close its connection", () =>
  withEmbeddedSystem({}, async (system, api) => {
    const streamId = await api.createStream();
    const token = await api.token("late-poster");
    const body = JSON.stringify({ text: "sent while the server stops" });
    const { port } = new URL(system.http.ingest);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString()));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(
      `POST /v1/streams/${streamId}/comments HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = new Promise<number | null>((resolve) => system.process.once("exit", resolve));
    system.process.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(system.process.exitCode, null, "still running while a request is in progress");
    socket.write(body.slice(10));
    await closed;
    assert.match(answer, /^HTTP\/1\.1 202 /, answer);
    assert.match(answer, /\r\nconnection: close\r\n/i, "the connection is not kept for another request");
    assert.equal(await exited, 0);
    const db = new Database(join(system.dataDir, DATABASE_FILE), { readonly: true });
    const texts = db
      .prepare<[], Buffer>("SELECT record FROM log_records")
      .pluck()
      .all()
      .map((record) => {
        const event = decodeLogRecord(record, 0);
        return event?.kind === "comment" ? event.comment.text : event?.kind;
      });
    db.close();
    assert.deepEqual(texts, ["sent while the server stops"], "the comment answered 202 is stored");
  }));

test("should keep an idle HTTP/1.1 connection for the keep-alive timeout, then close it", () =>
  withEmbeddedSystem({ env: { LC_KEEP_ALIVE_TIMEOUT_MS: "1000" } }, async (system) => {
    const { port } = new URL(system.http.ingest);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString()));
    const closedAt = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    const answers = () => text.match(/HTTP\/1\.1 200 /g)?.length ?? 0;
    const ask = async (count: number) => {
      socket.write("GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
      for (const deadline = Date.now() + 2_000; answers() < count && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(answers(), count, text);
    };
    await ask(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await ask(2); // still open half a timeout later
    const idleSince = Date.now();
    const idleFor = (await closedAt) - idleSince;
    assert.ok(idleFor >= 800 && idleFor < 3_000, `closed after ${idleFor} ms idle`);
  }));

test("should serve SSE on a connection's bare socket, and answer its errors in the API's JSON shape", () =>
  withEmbeddedSystem({}, async (system, api) => {
    const streamId = await api.createStream();
    const { port } = new URL(system.http.edge);
    const rawGet = async (head: string) => (await rawExchange(Number(port), head, { done: (text) => text.includes('"text":"over the bare socket"') })).text;
    const stream = rawGet(`GET /v1/streams/${streamId}/comments/subscribe?batch_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await api.post(streamId, "raw-poster", "over the bare socket");
    const text = await stream;
    assert.match(text, /^HTTP\/1\.1 200 OK\r\ncontent-type: text\/event-stream; charset=utf-8\r\n[\s\S]*\r\n\r\nretry: \d+\n\n/);
    assert.match(text, /event: new_comment\nid: \d+\ndata: \{[^\n]*"text":"over the bare socket"/);

    const unknown = await rawGet("GET /v1/streams/no-such-stream/comments/subscribe HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(unknown, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\r\n\r\n\{"error":\{"code":"stream_not_found"/);
    const badCursor = await rawGet(`GET /v1/streams/${streamId}/comments/subscribe HTTP/1.1\r\nLast-Event-ID: x\r\n\r\n`);
    assert.match(badCursor, /^HTTP\/1\.1 400 Bad Request\r\n/);
  }));

test("should serve SSE over HTTP/2 (what browsers speak over TLS): comments, heartbeats, a viewer leaving, and stay up", () =>
  withEmbeddedSystem({ env: { LC_SSE_HEARTBEAT_MS: "100" } }, async (system, api) => {
    const streamId = await api.createStream();
    const session = http2Connect(system.http.edge);
    session.on("error", () => {});
    try {
      const open = () => {
        const stream = session.request({ ":path": `/v1/streams/${streamId}/comments/subscribe?batch_ms=0`, accept: "text/event-stream" });
        let text = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (text += chunk));
        const head = new Promise<Record<string, unknown>>((resolve) => stream.once("response", resolve));
        return { stream, head, text: () => text };
      };
      const until = async (condition: () => boolean) => {
        for (const deadline = Date.now() + 5_000; !condition() && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      const leaving = open();
      const viewer = open();
      assert.equal((await viewer.head)[":status"], 200);
      assert.equal((await viewer.head)["content-type"], "text/event-stream; charset=utf-8");
      await leaving.head;
      leaving.stream.close(); // a viewer closing its tab: the edge must not write to it again
      await api.post(streamId, "h2-poster", "over an HTTP/2 stream");
      await until(() => viewer.text().includes("over an HTTP/2 stream"));
      assert.match(viewer.text(), /^retry: \d+\n\n/);
      assert.match(viewer.text(), /event: new_comment\nid: \d+\ndata: \{[^\n]*"text":"over an HTTP\/2 stream"/);
      // Heartbeats every 100 ms go to the open stream, never to a closed one.
      const before = viewer.text().length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(viewer.text().length > before, "heartbeats arrived");
      assert.equal(system.process.exitCode, null, "the process is still running");
      assert.equal((await fetch(`${system.http.edge}/healthz`)).status, 200);
    } finally {
      session.destroy();
    }
  }));
