import assert from "node:assert/strict";
import { createServer, connect } from "node:net";
import type { Socket } from "node:net";
import { test } from "vitest";
import { LcError } from "../errors.js";
import { readRawRequest, writeRawError } from "./raw-request.js";
import { RawRoutes } from "./raw-routes.js";

/** Sends `parts` to a server whose connection handler reads the raw request. */
async function exchange(parts: (string | Buffer)[]): Promise<{ request?: Awaited<ReturnType<typeof readRawRequest>>; error?: LcError; reply: string }> {
  let outcome: { request?: Awaited<ReturnType<typeof readRawRequest>>; error?: LcError } = {};
  const server = createServer((socket: Socket) => {
    socket.once("data", (first: Buffer) => {
      readRawRequest(socket, first).then(
        (request) => {
          outcome = { request };
          socket.end("HTTP/1.1 204 No Content\r\n\r\n");
        },
        (error: LcError) => {
          outcome = { error };
          writeRawError(socket, error);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, "127.0.0.1");
  client.on("error", () => {}); // the server may close while a part is still being sent
  let reply = "";
  client.on("data", (chunk) => (reply += chunk.toString()));
  const closed = new Promise((resolve) => client.once("close", resolve));
  for (const part of parts) {
    if (!client.destroyed) client.write(part);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await closed;
  server.close();
  return { ...outcome, reply };
}

test("should read a GET head arriving in pieces", async () => {
  const { request, reply } = await exchange([
    "GET /v1/streams/a/comments/subscribe?batch_ms=0 HTTP/1.1\r\nHost: x\r\nLast-Eve",
    "nt-ID: 7\r\nCookie: lc_token=t\r\n\r\n",
  ]);
  assert.equal(request!.url.pathname, "/v1/streams/a/comments/subscribe");
  assert.equal(request!.url.searchParams.get("batch_ms"), "0");
  assert.equal(request!.headers.get("last-event-id"), "7");
  assert.equal(request!.headers.get("cookie"), "lc_token=t");
  assert.match(reply, /^HTTP\/1\.1 204/);
});

const hostile: [string, (string | Buffer)[]][] = [
  ["a head over 16 KiB", [`GET /x HTTP/1.1\r\nX-Big: ${"a".repeat(17_000)}`]],
  ["a malformed header", ["GET /x HTTP/1.1\r\nno colon here\r\n\r\n"]],
  ["a header with a space in its name", ["GET /x HTTP/1.1\r\nBad Name: 1\r\n\r\n"]],
  ["a body on a GET", ["GET /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"]],
  ["chunked transfer on a GET", ["GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"]],
  ["a request line with a bad version", ["GET /x HTTP/2.0\r\n\r\n"]],
];
for (const [name, parts] of hostile) {
  test(`should refuse ${name} with a JSON 400`, async () => {
    const { error, reply } = await exchange(parts);
    assert.equal(error?.reason, "invalid_argument");
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(reply, /\r\n\r\n\{"error":\{"code":"invalid_argument","message":"[^"]+"\}\}$/);
  });
}

test("should claim only a connection whose first request line is a GET of a raw route", () => {
  const routes = new RawRoutes().add(/^\/sse$/, async () => {});
  const line = (text: string) => Buffer.from(text);
  assert.ok(routes.match(line("GET /sse?x=1 HTTP/1.1\r\nHost: a\r\n")));
  assert.equal(routes.match(line("POST /sse HTTP/1.1\r\nHost: a\r\n")), undefined);
  assert.equal(routes.match(line("GET /other HTTP/1.1\r\nHost: a\r\n")), undefined);
  assert.equal(routes.match(line("GET /sse")), undefined, "an incomplete request line goes to node:http");
  assert.equal(routes.match(line("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")), undefined);
});
