// OpenTelemetry traces of `npm start` (every role in one process), received over OTLP/HTTP in
// the test process: a post's spans in the caller's trace, over HTTP and gRPC, from ingest to
// the edge's delivery and the archive's write; log lines inside a span carry its ids; and a
// collector that refuses or never answers costs spans, counted, never a post.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { freePort } from "../harness/free-port.js";
import { GrpcClients } from "../harness/grpc-client.js";
import { ApiClient } from "../harness/http-client.js";
import { OtlpReceiver } from "../harness/otlp-receiver.js";
import type { ReceivedSpan } from "../harness/otlp-receiver.js";
import { scrape } from "../harness/prometheus-text.js";
import type { RoleProcess } from "../harness/role-process.js";
import { startRole } from "../harness/role-process.js";
import { SseRecorder } from "../harness/sse-client.js";
import { until } from "../harness/until.js";

/** A caller's span, as a W3C traceparent it sends. */
function callerSpan(): { traceId: string; spanId: string; traceParent: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceParent: `00-${traceId}-${spanId}-01` };
}

/** `npm start` exporting to `endpoint`, with its API and gRPC clients. */
async function startTraced(endpoint: string, otel: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "lc-tracing-"));
  const [http, grpc] = [await freePort(), await freePort()];
  const jwtSecret = randomBytes(24).toString("hex");
  const env = {
    LC_DATA_DIR: dir,
    PORT: String(http),
    GRPC_PORT: String(grpc),
    HOST: "127.0.0.1",
    LC_JWT_SECRET: jwtSecret,
    LC_LOG: "debug",
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "100",
    ...otel,
  };
  const server: RoleProcess = await startRole("all", env, /Live Comments is running/);
  const url = `http://127.0.0.1:${http}`;
  return {
    server,
    url,
    api: new ApiClient({ ingest: url, edge: url, archive: url }, jwtSecret),
    grpc: new GrpcClients(`127.0.0.1:${grpc}`, `127.0.0.1:${grpc}`),
    async stop() {
      this.grpc.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("traces of npm start over OTLP/HTTP (http/protobuf)", () => {
  const receiver = new OtlpReceiver();
  let system: Awaited<ReturnType<typeof startTraced>>;
  beforeAll(async () => {
    system = await startTraced(await receiver.start(), { OTEL_SERVICE_NAME: "comments-under-test" });
  });
  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  it("should trace a post from the caller's traceparent through the log append, the relay, the edge's delivery and the archive's write", async () => {
    const { api } = system;
    const streamId = await api.createStream();
    const viewer = new SseRecorder(`${system.url}/v1/streams/${streamId}/comments/subscribe`);
    try {
      await viewer.until(() => viewer.source.readyState === 1);
      const caller = callerSpan();
      const posted = await api.request("POST", `/v1/streams/${streamId}/comments`, {
        token: await api.token("ada"),
        json: { text: "traced" },
        headers: { traceparent: caller.traceParent },
      });
      assert.equal(posted.status, 202, posted.text);
      await viewer.until(() => viewer.events.length > 0);
      const named = (name: string) => receiver.trace(caller.traceId).find((span) => span.name === name);
      const hops = ["POST /v1/streams/:id/comments", "log append", "relay consume", "relay send", "edge deliver", "archive write"];
      await until(
        () => hops.every(named),
        10_000,
        () =>
          `spans of every hop, not only ${receiver
            .trace(caller.traceId)
            .map((s) => s.name)
            .join(", ")}`,
      );
      const [post, append, consume, send, deliver, archived] = hops.map((name) => named(name)!) as ReceivedSpan[] as [
        ReceivedSpan,
        ReceivedSpan,
        ReceivedSpan,
        ReceivedSpan,
        ReceivedSpan,
        ReceivedSpan,
      ];
      assert.equal(post.parentSpanId, caller.spanId, "the post is a child of the caller's span");
      assert.equal(post.service, "comments-under-test", "OTEL_SERVICE_NAME names the service");
      assert.equal(post.attributes["http.response.status_code"], 202);
      assert.equal(append.parentSpanId, post.spanId);
      for (const hop of [consume, deliver, archived]) {
        assert.equal(hop.parentSpanId, append.spanId, `${hop.name} follows the append`);
        assert.deepEqual(hop.links, [{ traceId: caller.traceId, spanId: append.spanId }], `${hop.name} links the append`);
      }
      assert.equal(send.parentSpanId, consume.spanId);
      assert.equal(deliver.attributes["livecomments.viewers"], 1, "the edge's batch span counts its viewers");
      assert.ok(receiver.contentTypes.every((type) => type === "application/x-protobuf"));
    } finally {
      viewer.source.close();
    }
  });

  it("should make a gRPC post part of the trace its traceparent metadata names, and write its log lines with the span's ids", async () => {
    const { api } = system;
    const streamId = await api.createStream();
    const caller = callerSpan();
    await system.grpc.postComment({ streamId, text: "over gRPC" }, await api.token("bo"), { traceparent: caller.traceParent });
    // The call's span ends after the append's, and may be exported in a later batch.
    const callName = "livecomments.v1.CommentService/PostComment";
    await until(
      () => ["log append", callName].every((name) => receiver.trace(caller.traceId).some((span) => span.name === name)),
      10_000,
      "the gRPC post's spans",
    );
    const call = receiver.trace(caller.traceId).find((span) => span.name === callName);
    assert.equal(call?.parentSpanId, caller.spanId, "the call is a child of the caller's span");
    const append = receiver.trace(caller.traceId).find((span) => span.name === "log append")!;
    assert.equal(append.parentSpanId, call.spanId);
    const accepted = system.server
      .output()
      .split("\n")
      .find((line) => line.includes('"comment accepted"') && line.includes(caller.traceId));
    assert.ok(accepted, "the debug line of the accepted comment carries the trace id");
    assert.equal((JSON.parse(accepted) as { span_id?: string }).span_id, call.spanId, "and the id of the span it was written in");
  });
});

describe("an OTLP endpoint that fails", () => {
  it("should answer every post while the collector refuses, then never answers, dropping and counting spans and logging once a minute", async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    receiver.mode = "refuse";
    const system = await startTraced(endpoint, {
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_MAX_QUEUE_SIZE: "8",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4",
      OTEL_BSP_EXPORT_TIMEOUT: "500",
      OTEL_EXPORTER_OTLP_TIMEOUT: "60000",
      LC_LOG: "info",
      LC_RATE_LIMITS: "off",
    });
    try {
      const { api } = system;
      const streamId = await api.createStream();
      const token = await api.token("ada");
      const postAll = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const started = performance.now();
          const posted = await api.request("POST", `/v1/streams/${streamId}/comments`, { token, json: { text: `post ${i}` } });
          assert.equal(posted.status, 202, posted.text);
          assert.ok(performance.now() - started < 2_000, `answered in ${Math.round(performance.now() - started)} ms`);
        }
      };
      await postAll(20);
      await until(() => receiver.contentTypes.length >= 2, 10_000, "exports tried");
      const refused = await scrape(system.url);
      assert.ok(refused.value("livecomments_trace_export_failures_total") >= 1, "refused exports are counted");
      assert.ok(refused.value("livecomments_trace_spans_dropped_total") >= 4, "and their spans as dropped");
      receiver.mode = "hang";
      const before = refused.value("livecomments_trace_spans_dropped_total");
      await postAll(30);
      await until(() => receiver.contentTypes.some((type) => type.startsWith("application/json")), 5_000, "an export to the hanging collector");
      const hung = await scrape(system.url);
      assert.ok(hung.value("livecomments_trace_spans_dropped_total") > before + 8, "a full queue drops spans while the collector hangs");
      assert.ok(
        receiver.contentTypes.every((type) => type.startsWith("application/json")),
        "http/json",
      );
      const warnings = system.server
        .output()
        .split("\n")
        .filter((line) => line.includes("cannot export spans"));
      assert.equal(warnings.length, 1, `logged once a minute, not per failure:\n${warnings.join("\n")}`);
    } finally {
      await system.stop();
      await receiver.stop();
    }
  });
});
