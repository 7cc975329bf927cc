// What the spans themselves cost, in this process, with nothing else on the clock: a post's
// spans as ingest makes them (its request span with the caller's context, `log append` inside
// it, the traceparent for the log) and an edge's delivery span for a batch, with tracing off,
// then with the SDK exporting to a sink that takes every batch at once, at 1 % and at 100 %
// sampling. `npm run bench:ingest` prints it after its same-run comparison.
//
//   node dist/bench/tracing-cost.js
import { propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Sampler } from "@opentelemetry/sdk-trace";
import { BoundedSpanProcessor } from "../app/span-export.js";
import { silentLogger } from "../core/logger.js";
import { contextFromHeaders, enableTracing, endRequestSpan, inSpan, startBatchSpan, startRequestSpan, traceParentOf, tracingOn } from "../core/tracing.js";

/** A sampler whose ratio the benchmark changes between rounds. */
class SwitchableSampler implements Sampler {
  private inner: Sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) });
  set ratio(ratio: number) {
    this.inner = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
  shouldSample(...args: Parameters<Sampler["shouldSample"]>) {
    return this.inner.shouldSample(...args);
  }
  toString(): string {
    return this.inner.toString();
  }
}

const POSTS = 50_000;
const BATCHES = 50_000;
/** Comments per delivered batch: the edge's 150 ms window at 50 comments/s. */
const BATCH_SIZE = 8;

/** Microseconds of CPU per post for ingest's spans, as its HTTP server and CommentIngest make them. */
async function perPost(): Promise<number> {
  const headers = { "content-type": "application/json" };
  const started = process.cpuUsage();
  for (let i = 0; i < POSTS; i++) {
    if (!tracingOn()) {
      await Promise.resolve(undefined);
      continue;
    }
    const span = startRequestSpan("POST /v1/streams/:id/comments", contextFromHeaders(headers), {
      "http.request.method": "POST",
      "http.route": "/v1/streams/:id/comments",
    });
    await inSpan("log append", { "livecomments.comment_id": "x" }, span, (append) => Promise.resolve(append && traceParentOf(append)));
    endRequestSpan(span, 202);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / POSTS;
}

/** Microseconds of CPU per delivered batch for the edge's span, with one comment in `tracedEvery` batches traced. */
function perBatch(traceParent: string | undefined): number {
  const frames = Array.from({ length: BATCH_SIZE }, (_, i) => (i === 0 ? traceParent : undefined));
  const started = process.cpuUsage();
  for (let i = 0; i < BATCHES; i++) {
    const span = tracingOn() ? startBatchSpan("edge deliver", frames, { "livecomments.viewers": 1_000 }) : undefined;
    span?.end();
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / BATCHES;
}

export async function tracingCost(): Promise<string> {
  const rows: string[][] = [];
  const off = await perPost();
  rows.push(["tracing off", off.toFixed(2), perBatch(undefined).toFixed(2)]);
  const sampler = new SwitchableSampler();
  const processor = new BoundedSpanProcessor(
    {
      export: (_spans, done) => done({ code: 0 }),
      shutdown: async () => {},
    },
    { maxQueueSize: 2048, maxExportBatchSize: 512, scheduleDelayMs: 100, exportTimeoutMs: 30_000 },
    silentLogger,
  );
  const provider = new TracerProvider({ resource: resourceFromAttributes({ "service.name": "bench" }), sampler, spanProcessors: [processor] });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enableTracing();
  sampler.ratio = 1;
  await perPost(); // warms the span code up, so neither measured round pays for it
  for (const ratio of [0.01, 1]) {
    sampler.ratio = ratio;
    const post = await perPost();
    // A batch carries a traced comment only when a post of it was sampled.
    const traced = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const batch = ratio * BATCH_SIZE >= 1 ? perBatch(traced) : perBatch(undefined) * (1 - ratio * BATCH_SIZE) + perBatch(traced) * ratio * BATCH_SIZE;
    rows.push([`tracing, ${ratio * 100} % sampled`, post.toFixed(2), batch.toFixed(2)]);
  }
  await provider.shutdown();
  return (
    `\nThe spans alone, in this process (${POSTS.toLocaleString("en")} posts, ${BATCHES.toLocaleString("en")} batches of ${BATCH_SIZE} comments):\n\n` +
    `| tracing | CPU µs per post (request span, log append, traceparent) | CPU µs per delivered batch (edge deliver) |\n| --- | --- | --- |\n` +
    rows.map((row) => `| ${row.join(" | ")} |`).join("\n") +
    "\n"
  );
}

if (process.argv[1]?.endsWith("tracing-cost.js")) {
  tracingCost().then(
    (text) => process.stdout.write(text),
    (error: unknown) => {
      process.stderr.write(`tracing cost failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
