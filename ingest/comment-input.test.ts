import assert from "node:assert/strict";
import { test } from "vitest";
import { LcError } from "../core/errors.js";
import { parseCommentInput } from "./comment-input.js";
import { DEFAULT_COMMENT_INPUT_LIMITS } from "./defaults.js";

const now = 1_800_000_000_000;
const parse = (body: unknown) => parseCommentInput(body, DEFAULT_COMMENT_INPUT_LIMITS, now);

test("should trim and NFC-normalise text and ignore unknown fields", () => {
  const input = parse({ text: "  Cafe\u0301 ⚽  ", extra: 1 });
  assert.deepEqual(input, { text: "Café ⚽" });
});

test("should count code points, not UTF-16 units, against the limit", () => {
  assert.equal(parse({ text: "😀".repeat(300) }).text.length, 600);
  assert.throws(() => parse({ text: "😀".repeat(301) }), /at most 300/);
});

test("should keep client_ts and meta when they are sane", () => {
  const input = parse({ text: "hi", client_ts: now - 500, meta: { app: "ios", v: [1, 2] } });
  assert.deepEqual(input, { text: "hi", clientTs: now - 500, meta: { app: "ios", v: [1, 2] } });
});

const refused: [string, unknown][] = [
  ["a non-object body", ["text"]],
  ["null", null],
  ["missing text", {}],
  ["non-string text", { text: 5 }],
  ["empty text", { text: "" }],
  ["blank text", { text: " \t " }],
  ["a control character", { text: "a\u0007b" }],
  ["a newline", { text: "a\nb" }],
  ["a bidi override", { text: "a\u202eb" }],
  ["a lone surrogate", { text: "a\ud800b" }],
  ["fractional client_ts", { text: "a", client_ts: 1.5 }],
  ["string client_ts", { text: "a", client_ts: "1" }],
  ["client_ts from long ago", { text: "a", client_ts: 0 }],
  ["meta that is an array", { text: "a", meta: [] }],
  ["meta nested too deep", { text: "a", meta: { a: { b: { c: { d: { e: 1 } } } } } }],
  ["meta too large", { text: "a", meta: { blob: "x".repeat(3000) } }],
];
for (const [name, body] of refused) {
  test(`should refuse ${name} with invalid_argument`, () => {
    assert.throws(
      () => parse(body),
      (error: unknown) => error instanceof LcError && error.reason === "invalid_argument",
    );
  });
}
