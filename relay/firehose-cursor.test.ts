import assert from "node:assert/strict";
import { test } from "vitest";
import { LcError } from "../core/errors.js";
import { decodeFirehoseCursor, encodeFirehoseCursor } from "./firehose-cursor.js";

const token = (body: unknown) => Buffer.from(JSON.stringify(body)).toString("base64url");

test("should give back the position a cursor was made from", () => {
  const position = new Map([
    [2, 40],
    [0, 7],
    [1, 0],
  ]);
  assert.deepEqual(decodeFirehoseCursor("kafka:comments", encodeFirehoseCursor("kafka:comments", position)), position);
});

test("should refuse anything but a cursor of this log with invalid_argument, never a crash", () => {
  const hostile = [
    "",
    "not a cursor!",
    "x".repeat(70_000),
    token(null),
    token([]),
    token({ l: "kafka:comments" }),
    token({ l: "embedded", p: [[0, 1]] }),
    token({ l: "kafka:comments", p: [null] }),
    token({ l: "kafka:comments", p: [7] }),
    token({ l: "kafka:comments", p: [[0]] }),
    token({ l: "kafka:comments", p: [[0, -1]] }),
    token({ l: "kafka:comments", p: [[0, 1.5]] }),
    token({ l: "kafka:comments", p: [["0", 1]] }),
    token({
      l: "kafka:comments",
      p: [
        [0, 1],
        [0, 2],
      ],
    }),
    token({ l: "kafka:comments", p: Array.from({ length: 5_000 }, (_, i) => [i, 0]) }),
  ];
  for (const cursor of hostile) {
    assert.throws(
      () => decodeFirehoseCursor("kafka:comments", cursor),
      (error: unknown) => error instanceof LcError && error.reason === "invalid_argument",
      cursor.slice(0, 80),
    );
  }
});
