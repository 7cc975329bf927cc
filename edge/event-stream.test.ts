import assert from "node:assert/strict";
import { Socket } from "node:net";
import { test } from "vitest";
import { LcError } from "../core/errors.js";
import { openEventStream, socketSse } from "./event-stream.js";
import { Viewers } from "./viewers.js";

test("should not admit a viewer whose connection closed while its request was checked", () => {
  const viewers = new Viewers();
  const socket = new Socket();
  socket.destroy();
  let wroteHead = false;
  const sse = { ...socketSse(socket, "192.0.2.1", "HTTP/1.1 200 OK\r\n\r\n"), writeHead: () => void (wroteHead = true) };
  assert.throws(
    () =>
      openEventStream(sse, "s", viewers, {
        retryMs: 1000,
        maxBufferedBytes: 1024,
      }),
    (error: unknown) => error instanceof LcError && error.reason === "unavailable",
  );
  assert.equal(viewers.size, 0, "nothing to leak: the viewer was never counted");
  assert.equal(wroteHead, false);
});
