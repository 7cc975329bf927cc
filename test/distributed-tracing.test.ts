// One comment's trace across the distributed mode (ingest, Kafka, relay, edge, archive as four
// processes on real engines), received over OTLP/HTTP (http/json) in the test process.
// LC_TRACE_TEXT=<file> keeps the trace as text (docs/observing.md shows one).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, test } from "vitest";
import { startDistributedSystem } from "../harness/distributed-system.js";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { ApiClient } from "../harness/http-client.js";
import { OtlpReceiver, renderTrace } from "../harness/otlp-receiver.js";
import { SseRecorder } from "../harness/sse-client.js";
import { until } from "../harness/until.js";

const receiver = new OtlpReceiver();
let system: DistributedSystem;
let api: ApiClient;
beforeAll(async () => {
  const endpoint = await receiver.start();
  system = await startDistributedSystem({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100" });
  api = new ApiClient(system.http, system.jwtSecret);
});
afterAll(async () => {
  await system?.stop();
  await receiver.stop();
});

test("should trace one comment with a caller's traceparent through ingest, the log, the relay, the edge and the archive", async () => {
  const streamId = await api.createStream();
  const viewers = [0, 1, 2].map(() => new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`)));
  try {
    for (const viewer of viewers) await viewer.until(() => viewer.source.readyState === 1);
    const traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");
    const posted = await api.request("POST", `/v1/streams/${streamId}/comments`, {
      token: await api.token("ada"),
      json: { text: "where does my comment go?" },
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    assert.equal(posted.status, 202, posted.text);
    for (const viewer of viewers) await viewer.until(() => viewer.events.length > 0, 10_000);
    const services = ["livecomments-ingest", "livecomments-relay", "livecomments-edge", "livecomments-archive"];
    const spans = () => receiver.trace(traceId);
    await until(
      () => services.every((service) => spans().some((span) => span.service === service)) && spans().some((span) => span.name === "edge deliver"),
      20_000,
      () =>
        `spans from every role, not only ${spans()
          .map((span) => `${span.service}/${span.name}`)
          .join(", ")}`,
    );
    const post = spans().find((span) => span.name === "POST /v1/streams/:id/comments")!;
    assert.equal(post.parentSpanId, callerSpanId, "the post belongs to the caller's trace");
    const append = spans().find((span) => span.name === "log append")!;
    const byService = (service: string) => spans().filter((span) => span.service === service);
    for (const service of services.slice(1))
      assert.ok(
        byService(service).some((span) => span.parentSpanId === append.spanId && span.links.some((link) => link.spanId === append.spanId)),
        `${service} continues from the append`,
      );
    const deliveries = spans().filter((span) => span.name === "edge deliver");
    assert.equal(
      deliveries.reduce((sum, span) => sum + Number(span.attributes["livecomments.viewers"]), 0),
      3,
      "one span per batch for all three viewers, never one per viewer",
    );
    const text = renderTrace(spans());
    if (process.env.LC_TRACE_TEXT) writeFileSync(process.env.LC_TRACE_TEXT, text + "\n");
    assert.match(text, /^POST \/v1\/streams\/:id\/comments \[livecomments-ingest\]/);
  } finally {
    for (const viewer of viewers) viewer.source.close();
  }
});
