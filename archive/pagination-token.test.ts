import assert from "node:assert/strict";
import { test } from "vitest";
import { PaginationTokens } from "./pagination-token.js";

const tokens = new PaginationTokens("secret");
const window = { streamId: "s1", fromMs: 0, toMs: 180_000 };

test("should round-trip a cursor for the same window", () => {
  const text = tokens.encode({ ...window, offsetMs: 1234, seq: 42 });
  assert.deepEqual(tokens.decode(text, window), { offsetMs: 1234, seq: 42 });
});

test("should refuse a token for another window, stream or secret", () => {
  const text = tokens.encode({ ...window, offsetMs: 1234, seq: 42 });
  assert.throws(() => tokens.decode(text, { ...window, toMs: 60_000 }), /pagination_token/);
  assert.throws(() => tokens.decode(text, { ...window, streamId: "s2" }), /pagination_token/);
  assert.throws(() => new PaginationTokens("other").decode(text, window), /pagination_token/);
});

test("should refuse tampered and malformed tokens", () => {
  const text = tokens.encode({ ...window, offsetMs: 1234, seq: 42 });
  const [body, signature] = text.split(".") as [string, string];
  const forged = Buffer.from(JSON.stringify(["s1", 0, 180_000, 0, 0])).toString("base64url");
  for (const bad of [`${forged}.${signature}`, `${body}.`, body, "", "a.b.c", "%%%.%%%", "x".repeat(600), `${body}.${signature}x`]) {
    assert.throws(() => tokens.decode(bad, window), /pagination_token/, bad);
  }
});
