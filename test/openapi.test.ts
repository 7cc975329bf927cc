// The OpenAPI document against the server: every documented status of every route is provoked
// and answered as documented, and every route the server has is documented.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, test } from "vitest";
import { silentLogger } from "../core/logger.js";
import { readEmbeddedConfig } from "../app/config.js";
import type { EmbeddedApp } from "../app/embedded-app.js";
import { startEmbeddedApp } from "../app/embedded-app.js";
import { ApiClient } from "../harness/http-client.js";
import { readResponseHead } from "../harness/raw-http.js";

/** A request that should be answered with one documented status. */
type Probe = () => Promise<{ status: number; headers: Headers; text: string }>;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Schema {
  $ref?: string;
  allOf?: Schema[];
  required?: string[];
  properties?: Record<string, Schema>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const dir = mkdtempSync(join(tmpdir(), "lc-openapi-"));
let app: EmbeddedApp;
let api: ApiClient;
beforeAll(async () => {
  const env = {
    HOST: "127.0.0.1",
    PORT: "0",
    GRPC_PORT: "0",
    LC_DATA_DIR: dir,
    LC_MAX_VIEWERS_PER_IP: "1",
    LC_MAX_BODY_BYTES: "1024",
    LC_ARCHIVE_SETTLE_MS: "100",
    LC_ARCHIVE_LAG_POLL_MS: "100",
  };
  app = await startEmbeddedApp(readEmbeddedConfig(env), silentLogger);
  const url = `http://127.0.0.1:${app.httpPort}`;
  api = new ApiClient({ ingest: url, edge: url, archive: url }, app.jwtSecret);
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The probes, by `METHOD /path` and status; each must be answered with that status. */
async function probes(): Promise<Record<string, Record<string, Probe>>> {
  const admin = await api.token("admin", "streams:admin");
  const viewer = await api.token("viewer");
  const streamId = await api.createStream();
  const ended = await api.createStream();
  await api.request("POST", `/v1/streams/${ended}/end`, { token: admin });
  const first = await api.post(streamId, "author", "documented");
  // Replays read a stream of their own, which no other probe changes.
  const replayed = await api.createStream();
  await api.post(replayed, "author", "replayed");
  await api.waitForArchive(replayed, 1);
  const comments = (id: string) => `/v1/streams/${id}/comments`;
  const post = (path: string, options: Parameters<ApiClient["request"]>[2]) => () => api.request("POST", path, options);
  const get =
    (path: string, headers: Record<string, string> = {}) =>
    () =>
      api.request("GET", path, { headers });
  const tooLarge = JSON.stringify({ title: "x".repeat(2_000) });
  const window = `${comments(replayed)}?start_time=0&duration=60`;
  const etag = (await api.request("GET", window)).headers.get("etag")!;
  const timeline = `/v1/streams/${replayed}/timeline?bucket_s=60`;
  const timelineEtag = (await api.request("GET", timeline)).headers.get("etag")!;
  /** The first viewer from this address; the second is one too many (LC_MAX_VIEWERS_PER_IP=1). */
  const subscribe =
    (path: string): Probe =>
    async () => {
      const controller = new AbortController();
      const response = await fetch(api.url(path), { signal: controller.signal });
      controller.abort();
      return { status: response.status, headers: response.headers, text: "" };
    };
  const secondViewer: Probe = async () => {
    const holder = new AbortController();
    const held = await fetch(api.url(`${comments(streamId)}/subscribe`), { signal: holder.signal });
    assert.equal(held.status, 200);
    try {
      return await api.request("GET", `${comments(streamId)}/subscribe`);
    } finally {
      holder.abort();
      await new Promise((resolve) => setTimeout(resolve, 100)); // the edge sees the viewer leave
    }
  };
  const rateLimited: Probe = async () => {
    const token = await api.token("chatty");
    for (let i = 0; ; i++) {
      const answer = await api.request("POST", comments(streamId), { token, json: { text: `burst ${i}` } });
      if (answer.status !== 202 || i > 100) return answer;
    }
  };
  // Moderation acts on a stream of its own; its comments are archived before they are acted on.
  const moderator = await api.token("mod", "comments:moderate");
  const moderated = await api.createStream();
  const doomed = await api.post(moderated, "author", "doomed");
  const pinnable = await api.post(moderated, "author", "pinnable");
  await api.waitForArchive(moderated, 2);
  const banned = "banned-user";
  await api.request("PUT", `/v1/streams/${moderated}/bans/${banned}`, { token: moderator, json: {} });
  const send =
    (method: string, path: string, options: Parameters<ApiClient["request"]>[2] = {}): Probe =>
    () =>
      api.request(method, path, options);
  const moderation = (method: string, path: string, body?: unknown) => ({
    "401": send(method, path, body === undefined ? {} : { json: body }),
    "403": send(method, path, { token: viewer, ...(body === undefined ? {} : { json: body }) }),
    "404": send(method, path.replace(moderated, "nope"), { token: moderator, ...(body === undefined ? {} : { json: body }) }),
  });
  // Two comments held by a blocked term: one to approve, one to deny.
  await api.request("PUT", `/v1/streams/${moderated}/blocked_terms`, { token: moderator, json: { terms: ["heldword"] } });
  const [approvable, deniable] = [await api.post(moderated, "author", "heldword one"), await api.post(moderated, "author", "heldword two")];
  assert.deepEqual([approvable.status, deniable.status], ["held", "held"]);
  const held = (id: string, action: string) => `/v1/streams/${moderated}/held/${id}/${action}`;
  return {
    "PATCH /v1/streams/{stream_id}": {
      "200": send("PATCH", `/v1/streams/${moderated}`, { token: moderator, json: { slow_mode_s: 0 } }),
      "400": send("PATCH", `/v1/streams/${moderated}`, { token: moderator, json: { slow_mode_s: -1 } }),
      ...moderation("PATCH", `/v1/streams/${moderated}`, { slow_mode_s: 0 }),
    },
    "GET /v1/streams/{stream_id}/held": {
      "200": send("GET", `/v1/streams/${moderated}/held`, { token: moderator }),
      ...moderation("GET", `/v1/streams/${moderated}/held`),
    },
    "GET /v1/streams/{stream_id}/held/subscribe": {
      "200": subscribe(`/v1/streams/${moderated}/held/subscribe?access_token=${moderator}`),
      "401": get(`/v1/streams/${moderated}/held/subscribe`),
      "403": get(`/v1/streams/${moderated}/held/subscribe?access_token=${viewer}`),
      "404": get(`/v1/streams/nope/held/subscribe?access_token=${moderator}`),
    },
    "POST /v1/streams/{stream_id}/held/{comment_id}/approve": {
      "200": send("POST", held(approvable.comment_id, "approve"), { token: moderator }),
      ...moderation("POST", held(approvable.comment_id, "approve")),
      "404": send("POST", held(first.comment_id, "approve"), { token: moderator }),
    },
    "POST /v1/streams/{stream_id}/held/{comment_id}/deny": {
      "204": send("POST", held(deniable.comment_id, "deny"), { token: moderator }),
      ...moderation("POST", held(deniable.comment_id, "deny")),
      "404": send("POST", held("nope", "deny"), { token: moderator }),
    },
    "GET /v1/streams/{stream_id}/blocked_terms": {
      "200": send("GET", `/v1/streams/${moderated}/blocked_terms`, { token: moderator }),
      ...moderation("GET", `/v1/streams/${moderated}/blocked_terms`),
    },
    "PUT /v1/streams/{stream_id}/blocked_terms": {
      "200": send("PUT", `/v1/streams/${moderated}/blocked_terms`, { token: moderator, json: { terms: ["heldword"] } }),
      "400": send("PUT", `/v1/streams/${moderated}/blocked_terms`, { token: moderator, json: { terms: "heldword" } }),
      ...moderation("PUT", `/v1/streams/${moderated}/blocked_terms`, { terms: [] }),
    },
    "GET /v1/streams/{stream_id}/moderators": {
      "200": send("GET", `/v1/streams/${moderated}/moderators`, { token: admin }),
      ...moderation("GET", `/v1/streams/${moderated}/moderators`),
    },
    "PUT /v1/streams/{stream_id}/moderators/{user_id}": {
      "200": send("PUT", `/v1/streams/${moderated}/moderators/helper`, { token: admin }),
      "400": send("PUT", `/v1/streams/${moderated}/moderators/a%20b`, { token: admin }),
      ...moderation("PUT", `/v1/streams/${moderated}/moderators/helper`),
    },
    "DELETE /v1/streams/{stream_id}/moderators/{user_id}": {
      "204": send("DELETE", `/v1/streams/${moderated}/moderators/helper`, { token: admin }),
      ...moderation("DELETE", `/v1/streams/${moderated}/moderators/helper`),
    },
    "DELETE /v1/streams/{stream_id}/comments/{comment_id}": {
      "200": send("DELETE", `${comments(moderated)}/${doomed.comment_id}`, { token: moderator }),
      ...moderation("DELETE", `${comments(moderated)}/${doomed.comment_id}`),
    },
    "PUT /v1/streams/{stream_id}/bans/{user_id}": {
      "200": send("PUT", `/v1/streams/${moderated}/bans/someone`, { token: moderator, json: { duration_s: 60, reason: "probe" } }),
      "400": send("PUT", `/v1/streams/${moderated}/bans/someone`, { token: moderator, json: { duration_s: 0 } }),
      ...moderation("PUT", `/v1/streams/${moderated}/bans/someone`, {}),
    },
    "DELETE /v1/streams/{stream_id}/bans/{user_id}": {
      "204": send("DELETE", `/v1/streams/${moderated}/bans/someone`, { token: moderator }),
      ...moderation("DELETE", `/v1/streams/${moderated}/bans/someone`),
    },
    "PUT /v1/streams/{stream_id}/pin": {
      "200": send("PUT", `/v1/streams/${moderated}/pin`, { token: moderator, json: { comment_id: pinnable.comment_id } }),
      "400": send("PUT", `/v1/streams/${moderated}/pin`, { token: moderator, json: {} }),
      ...moderation("PUT", `/v1/streams/${moderated}/pin`, { comment_id: pinnable.comment_id }),
    },
    "DELETE /v1/streams/{stream_id}/pin": {
      "204": send("DELETE", `/v1/streams/${moderated}/pin`, { token: moderator }),
      ...moderation("DELETE", `/v1/streams/${moderated}/pin`),
    },
    "POST /v1/streams": {
      "201": post("/v1/streams", { token: admin, json: { stream_id: `doc-${Date.now()}` } }),
      "400": post("/v1/streams", { token: admin, json: { stream_id: "not ok!" } }),
      "401": post("/v1/streams", { json: {} }),
      "403": post("/v1/streams", { token: viewer, json: {} }),
      "409": post("/v1/streams", { token: admin, json: { stream_id: streamId } }),
      "413": post("/v1/streams", { token: admin, body: tooLarge, headers: { "content-type": "application/json" } }),
      "415": post("/v1/streams", { token: admin, body: "{}", headers: { "content-type": "text/plain" } }),
    },
    "GET /v1/streams/{stream_id}": {
      "200": get(`/v1/streams/${streamId}`),
      "401": get(`/v1/streams/${streamId}`, { authorization: "Bearer not-a-token" }),
      "404": get("/v1/streams/nope"),
    },
    "POST /v1/streams/{stream_id}/end": {
      "200": post(`/v1/streams/${await api.createStream()}/end`, { token: admin }),
      "401": post(`/v1/streams/${streamId}/end`, {}),
      "403": post(`/v1/streams/${streamId}/end`, { token: viewer }),
      "404": post("/v1/streams/nope/end", { token: admin }),
    },
    "POST /v1/streams/{stream_id}/comments": {
      "202": post(comments(streamId), { token: viewer, json: { text: "hello" } }),
      "400": post(comments(streamId), { token: viewer, json: { text: " " } }),
      "401": post(comments(streamId), { json: { text: "hello" } }),
      "403": post(comments(moderated), { token: await api.token(banned), json: { text: "hello" } }),
      "404": post(comments("nope"), { token: viewer, json: { text: "hello" } }),
      "409": post(comments(ended), { token: viewer, json: { text: "too late" } }),
      "413": post(comments(streamId), { token: viewer, body: tooLarge, headers: { "content-type": "application/json" } }),
      "415": post(comments(streamId), { token: viewer, body: "hello", headers: { "content-type": "text/plain" } }),
      "429": rateLimited,
    },
    "GET /v1/streams/{stream_id}/comments": {
      "200": get(window),
      "304": get(window, { "if-none-match": etag }),
      "400": get(`${comments(replayed)}?start_time=-1&duration=60`),
      "404": get(`${comments("nope")}?start_time=0&duration=60`),
    },
    "GET /v1/streams/{stream_id}/timeline": {
      "200": get(timeline),
      "304": get(timeline, { "if-none-match": timelineEtag }),
      "400": get(`/v1/streams/${replayed}/timeline?bucket_s=7`),
      "404": get("/v1/streams/nope/timeline"),
    },
    "GET /v1/streams/{stream_id}/comments/subscribe": {
      "200": subscribe(`${comments(streamId)}/subscribe`),
      "400": get(`${comments(streamId)}/subscribe?batch_ms=soon`),
      "401": get(`${comments(streamId)}/subscribe?access_token=not-a-token`),
      "404": get(`${comments("nope")}/subscribe`),
      "429": secondViewer,
    },
    "GET /v1/streams/{stream_id}/comments/poll": {
      "200": get(`${comments(streamId)}/poll?after_seq=${first.seq - 1}&timeout_ms=0`),
      "400": get(`${comments(streamId)}/poll?after_seq=-1`),
      "404": get(`${comments("nope")}/poll?timeout_ms=0`),
    },
    "GET /v1/streams/{stream_id}/viewers": { "200": get(`/v1/streams/${streamId}/viewers`), "404": get("/v1/streams/nope/viewers") },
    "GET /v1/archive/status": { "200": get("/v1/archive/status") },
    "GET /demo/guest-token": { "200": get("/demo/guest-token?name=Ann"), "400": get(`/demo/guest-token?name=${"n".repeat(41)}`) },
    "GET /healthz": { "200": get("/healthz") },
    "GET /readyz": {
      "200": get("/readyz"),
      // A process that is shutting down: the last probe, since it stops the server. A long
      // poll in progress holds the shutdown open; a connection opened before asks.
      "503": async () => {
        const poll = fetch(api.url(`${comments(streamId)}/poll?timeout_ms=1500`)).then(
          (response) => response.text(),
          () => "",
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        const socket = connect(app.httpPort, "127.0.0.1");
        await new Promise((resolve) => socket.once("connect", resolve));
        const closing = app.close();
        await new Promise((resolve) => setTimeout(resolve, 100));
        let raw = "";
        socket.on("data", (chunk) => (raw += chunk.toString()));
        const ended = new Promise((resolve) => socket.once("close", resolve));
        socket.write("GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
        await ended;
        await Promise.all([closing, poll]);
        const head = readResponseHead(raw);
        return { status: head?.status ?? 0, headers: head?.headers ?? new Headers(), text: head ? raw.slice(head.bodyStart) : raw };
      },
    },
    "GET /metrics": { "200": get("/metrics") },
    "GET /openapi.json": { "200": get("/openapi.json") },
  };
}

/** A schema with its references and allOf resolved into one list of required properties. */
function requiredProperties(schema: Schema | undefined, doc: Document): string[] {
  if (!schema) return [];
  if (schema.$ref) return requiredProperties(doc.components.schemas[schema.$ref.split("/").pop()!], doc);
  return [...(schema.required ?? []), ...(schema.allOf ?? []).flatMap((part) => requiredProperties(part, doc))];
}

test("should serve an OpenAPI 3.1 document whose every route and status the server answers as documented", { timeout: 60_000 }, async () => {
  const served = await api.request("GET", "/openapi.json");
  assert.equal(served.status, 200);
  const doc = JSON.parse(served.text) as Document;
  assert.equal(doc.openapi, "3.1.0");

  const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
  );
  // Every route the server has is documented (the demo page's static files aside).
  const staticFiles = new Set(["GET /", "GET /demo/demo.css", "GET /demo/demo.js", "GET /demo/replay.webm", "GET /sdk/livecomments.js"]);
  const served_routes = app.routes.filter((route) => !staticFiles.has(route)).map((route) => route.replace(/:id\b/g, "{stream_id}").replace(/:(\w+)/g, "{$1}"));
  assert.deepEqual(
    served_routes.filter((route) => !documented.some((d) => d.key === route)),
    [],
    "routes the document leaves out",
  );
  assert.deepEqual(
    documented.map((d) => d.key).filter((key) => !served_routes.includes(key)),
    [],
    "documented routes the server lacks",
  );

  const table = await probes();
  // /readyz 503 stops the server: run it last.
  const ordered = documented.flatMap(({ key, operation }) =>
    Object.keys(operation.responses)
      .filter((status) => status !== "default")
      .map((status) => ({ key, status, operation })),
  );
  ordered.sort((a, b) => Number(a.key === "GET /readyz" && a.status === "503") - Number(b.key === "GET /readyz" && b.status === "503"));
  for (const { key, status, operation } of ordered) {
    const probe = table[key]?.[status];
    assert.ok(probe, `${key} ${status} is documented but has no probe`);
    const answer = await probe();
    assert.equal(answer.status, Number(status), `${key}: expected ${status}, got ${answer.status} ${answer.text.slice(0, 200)}`);
    const content = operation.responses[status]!.content;
    if (!content || answer.status === 304) continue;
    const type = answer.headers.get("content-type") ?? "";
    assert.ok(
      Object.keys(content).some((media) => type.startsWith(media)),
      `${key} ${status}: content-type ${type}, documented ${Object.keys(content).join(", ")}`,
    );
    const schema = content["application/json"]?.schema;
    if (schema && answer.text) {
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      for (const property of requiredProperties(schema, doc))
        assert.ok(property in body, `${key} ${status}: "${property}" missing from ${answer.text.slice(0, 200)}`);
    }
  }
  for (const [key, statuses] of Object.entries(table)) {
    for (const status of Object.keys(statuses))
      assert.ok(
        ordered.some((d) => d.key === key && d.status === status),
        `${key} ${status} is probed but not documented`,
      );
  }
});
