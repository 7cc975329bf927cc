import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, test } from "vitest";
import { SignJWT } from "jose";
import type { EmbeddedSystem } from "../harness/embedded-system.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import { ApiClient } from "../harness/http-client.js";

/** One hostile request, sent exactly as written (no client-side normalisation). */
interface Hostile {
  readonly name: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Send the body chunked, without a Content-Length. */
  readonly chunked?: boolean;
  readonly status: number;
  readonly code: string;
}

function send(port: number, hostile: Hostile, defaultPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...hostile.headers };
    if (hostile.body !== undefined && !hostile.chunked) headers["content-length"] = String(Buffer.byteLength(hostile.body));
    const req = httpRequest({ host: "127.0.0.1", port, method: hostile.method ?? "POST", path: hostile.path ?? defaultPath, headers, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    if (hostile.body !== undefined) req.write(hostile.body);
    req.end();
  });
}

let system: EmbeddedSystem;
let api: ApiClient;
let streamId: string;
let ended: string;
let token: string;
let cases: Hostile[];

beforeAll(async () => {
  system = await startEmbeddedSystem();
  api = new ApiClient(system.http, system.jwtSecret);
  streamId = await api.createStream();
  ended = await api.createStream();
  await api.request("POST", `/v1/streams/${ended}/end`, { token: await api.token("admin", "streams:admin") });
  token = await api.token("hostile-user");
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, "content-type": "application/json" };
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "x", exp: now + 60 })).toString("base64url")}.`;
  const wrongKey = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("x").setExpirationTime("1h").sign(new TextEncoder().encode("wrong"));
  const expired = await api.token("x", undefined, -3600);
  const [h, p, s] = token.split(".") as [string, string, string];
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: "admin" })).toString("base64url")}.${s}`;
  const text = (value: unknown) => JSON.stringify({ text: value });
  cases = [
    // Malformed JSON and bodies of the wrong shape.
    { name: "truncated JSON", headers: json, body: '{"text":', status: 400, code: "invalid_json" },
    { name: "unclosed array", headers: json, body: "[1,2", status: 400, code: "invalid_json" },
    { name: "trailing comma", headers: json, body: '{"text":"a",}', status: 400, code: "invalid_json" },
    { name: "empty body", headers: json, body: "", status: 400, code: "invalid_json" },
    { name: "JSON null", headers: json, body: "null", status: 400, code: "invalid_argument" },
    { name: "JSON string", headers: json, body: '"hello"', status: 400, code: "invalid_argument" },
    { name: "JSON array", headers: json, body: "[]", status: 400, code: "invalid_argument" },
    { name: "numeric text", headers: json, body: text(5), status: 400, code: "invalid_argument" },
    { name: "empty text", headers: json, body: text(""), status: 400, code: "invalid_argument" },
    { name: "text of 301 characters", headers: json, body: text("x".repeat(301)), status: 400, code: "invalid_argument" },
    { name: "NUL in text", headers: json, body: text("a\u0000b"), status: 400, code: "invalid_argument" },
    { name: "bidi override in text", headers: json, body: text("a\u202eb"), status: 400, code: "invalid_argument" },
    { name: "lone surrogate", headers: json, body: '{"text":"a\\ud800b"}', status: 400, code: "invalid_argument" },
    {
      name: "bad UTF-8 bytes",
      headers: json,
      body: Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      status: 400,
      code: "invalid_json",
    },
    {
      name: "deeply nested meta",
      headers: json,
      body: `{"text":"a","meta":{"m":${"[".repeat(5000)}${"]".repeat(5000)}}}`,
      status: 400,
      code: "invalid_argument",
    },
    { name: "meta too large", headers: json, body: JSON.stringify({ text: "a", meta: { blob: "x".repeat(4000) } }), status: 400, code: "invalid_argument" },
    { name: "meta that is an array", headers: json, body: JSON.stringify({ text: "a", meta: [1] }), status: 400, code: "invalid_argument" },
    { name: "client_ts as a string", headers: json, body: JSON.stringify({ text: "a", client_ts: "now" }), status: 400, code: "invalid_argument" },
    {
      name: "client_ts a year ahead",
      headers: json,
      body: JSON.stringify({ text: "a", client_ts: Date.now() + 365 * 86_400_000 }),
      status: 400,
      code: "invalid_argument",
    },
    // Huge bodies.
    { name: "20 KB body", headers: json, body: text("x".repeat(20_000)), status: 413, code: "payload_too_large" },
    { name: "1 MB chunked body", headers: json, body: "x".repeat(1024 * 1024), chunked: true, status: 413, code: "payload_too_large" },
    { name: "Content-Length lying big", headers: { ...json, "content-length": "999999999" }, body: undefined, status: 413, code: "payload_too_large" },
    // Wrong content types.
    { name: "text/plain", headers: { ...auth, "content-type": "text/plain" }, body: text("a"), status: 415, code: "unsupported_media_type" },
    { name: "no content type", headers: auth, body: text("a"), status: 415, code: "unsupported_media_type" },
    { name: "application/jsonx", headers: { ...auth, "content-type": "application/jsonx" }, body: text("a"), status: 415, code: "unsupported_media_type" },
    { name: "form data", headers: { ...auth, "content-type": "multipart/form-data; boundary=x" }, body: "--x--", status: 415, code: "unsupported_media_type" },
    // Header abuse.
    { name: "Basic auth", headers: { "content-type": "application/json", authorization: "Basic YTpi" }, body: text("a"), status: 401, code: "unauthenticated" },
    { name: "empty Bearer", headers: { "content-type": "application/json", authorization: "Bearer " }, body: text("a"), status: 401, code: "unauthenticated" },
    {
      name: "10 KB token",
      headers: { "content-type": "application/json", authorization: `Bearer ${"a".repeat(10_000)}` },
      body: text("a"),
      status: 401,
      code: "unauthenticated",
    },
    { name: "20 KB header", headers: { ...json, "x-filler": "a".repeat(20_000) }, body: text("a"), status: 431, code: "headers_too_large" },
    {
      name: "Idempotency-Key of 200 characters",
      headers: { ...json, "idempotency-key": "k".repeat(200) },
      body: text("a"),
      status: 400,
      code: "invalid_argument",
    },
    { name: "Idempotency-Key with a space", headers: { ...json, "idempotency-key": "a b" }, body: text("a"), status: 400, code: "invalid_argument" },
    // Bad tokens.
    {
      name: "alg none",
      headers: { "content-type": "application/json", authorization: `Bearer ${unsigned}` },
      body: text("a"),
      status: 401,
      code: "unauthenticated",
    },
    {
      name: "signed with another key",
      headers: { "content-type": "application/json", authorization: `Bearer ${wrongKey}` },
      body: text("a"),
      status: 401,
      code: "unauthenticated",
    },
    {
      name: "expired token",
      headers: { "content-type": "application/json", authorization: `Bearer ${expired}` },
      body: text("a"),
      status: 401,
      code: "unauthenticated",
    },
    {
      name: "garbage token",
      headers: { "content-type": "application/json", authorization: "Bearer abc" },
      body: text("a"),
      status: 401,
      code: "unauthenticated",
    },
    {
      name: "tampered token",
      headers: { "content-type": "application/json", authorization: `Bearer ${tampered}` },
      body: text("a"),
      status: 401,
      code: "unauthenticated",
    },
    // A Host that makes no URL once took the process down through the Connect handler.
    {
      name: "malformed Host header on the Connect path",
      method: "POST",
      path: "/livecomments.v1.PlaybackService/GetWindow",
      headers: { host: "127.0.0.1:99999", "content-type": "application/json" },
      body: "{}",
      status: 400,
      code: "invalid_argument",
    },
    { name: "malformed Host header on a REST path", headers: { ...json, host: "exa mple" }, body: text("a"), status: 400, code: "invalid_argument" },
    // Bad stream ids and path tricks.
    {
      name: "stream id of 65 characters",
      path: `/v1/streams/${"a".repeat(65)}/comments`,
      headers: json,
      body: text("a"),
      status: 404,
      code: "stream_not_found",
    },
    { name: "dot in stream id", path: "/v1/streams/a.b/comments", headers: json, body: text("a"), status: 404, code: "stream_not_found" },
    { name: "encoded slash", path: "/v1/streams/a%2Fb/comments", headers: json, body: text("a"), status: 404, code: "stream_not_found" },
    { name: "encoded NUL", path: "/v1/streams/%00/comments", headers: json, body: text("a"), status: 404, code: "stream_not_found" },
    { name: "bad escape", path: "/v1/streams/%zz/comments", headers: json, body: text("a"), status: 404, code: "not_found" },
    { name: "dot segments", path: `/v1/streams/../streams/${streamId}/comments`, headers: json, body: text("a"), status: 404, code: "not_found" },
    // The raw SSE path once resolved these into another path and failed with a 500.
    { name: "dot segments on the raw SSE path", method: "GET", path: "/v1/streams/../comments/subscribe", status: 404, code: "not_found" },
    { name: "empty segment", path: "/v1/streams//comments", headers: json, body: text("a"), status: 404, code: "stream_not_found" },
    { name: "trailing slash", path: `/v1/streams/${streamId}/comments/`, headers: json, body: text("a"), status: 404, code: "not_found" },
    { name: "10 KB path", path: `/v1/streams/${"a".repeat(10_000)}/comments`, headers: json, body: text("a"), status: 404, code: "not_found" },
    { name: "unknown stream", path: "/v1/streams/no-such-stream/comments", headers: json, body: text("a"), status: 404, code: "stream_not_found" },
    { name: "ended stream", path: `/v1/streams/${ended}/comments`, headers: json, body: text("a"), status: 409, code: "stream_ended" },
    { name: "PUT on comments", method: "PUT", headers: json, body: text("a"), status: 405, code: "method_not_allowed" },
  ];
});

afterAll(async () => {
  await system.stop();
  system.dispose();
});

test("should answer each of at least 40 hostile requests with its documented status and a JSON error, store nothing, and stay healthy", async () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`);
  const port = Number(new URL(system.http.ingest).port);
  const wrong: string[] = [];
  for (const hostile of cases) {
    const { status, body } = await send(port, hostile, `/v1/streams/${streamId}/comments`);
    let code: unknown;
    try {
      const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
      code = typeof parsed.error?.message === "string" ? parsed.error.code : undefined;
    } catch {
      code = undefined;
    }
    if (status !== hostile.status || code !== hostile.code) wrong.push(`${hostile.name}: ${status} ${body.slice(0, 120)}`);
  }
  assert.deepEqual(wrong, []);
  assert.equal((await api.request("GET", "/healthz")).status, 200, "the process is still up");
  const stored = await api.request("GET", `/v1/streams/${streamId}/comments?start_time=0&duration=3600`);
  assert.deepEqual(stored.json.comments, [], "nothing partial was stored");
  const accepted = await api.post(streamId, "hostile-user", "and a good one still works");
  assert.equal(accepted.seq, 1, "no refused request used up a seq");
});
