import assert from "node:assert/strict";
import { test } from "vitest";
import { readTracingConfig } from "./tracing.js";

test("should leave tracing off without an OTLP endpoint, or when it is turned off", () => {
  assert.equal(readTracingConfig({}, "livecomments"), undefined);
  assert.equal(readTracingConfig({ OTEL_TRACES_SAMPLER: "always_on" }, "livecomments"), undefined);
  for (const off of [{ OTEL_SDK_DISABLED: "true" }, { OTEL_TRACES_EXPORTER: "none" }])
    assert.equal(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", ...off }, "livecomments"), undefined);
});

test("should read the endpoint's protocol, the service name and the sampler from the standard variables", () => {
  const defaults = readTracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }, "livecomments-edge")!;
  assert.deepEqual(
    [defaults.protocol, defaults.serviceName, defaults.sampler, defaults.ratio],
    ["http/protobuf", "livecomments-edge", "parentbased_always_on", 1],
  );
  assert.deepEqual(defaults.limits, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduleDelayMs: 5000, exportTimeoutMs: 30000 });
  const chosen = readTracingConfig(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-resource,deployment.environment=prod%20eu",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.01",
      OTEL_BSP_MAX_QUEUE_SIZE: "100",
    },
    "livecomments",
  )!;
  assert.deepEqual([chosen.protocol, chosen.serviceName, chosen.sampler, chosen.ratio], ["http/json", "from-resource", "parentbased_traceidratio", 0.01]);
  assert.equal(chosen.resourceAttributes["deployment.environment"], "prod eu");
  assert.equal(chosen.limits.maxExportBatchSize, 100, "a batch never exceeds the queue");
  assert.equal(
    readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SERVICE_NAME: "mine", OTEL_RESOURCE_ATTRIBUTES: "service.name=other" }, "x")!
      .serviceName,
    "mine",
  );
});

test("should refuse, naming the variable, a value it cannot use", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
  for (const [variables, named] of [
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, /OTEL_EXPORTER_OTLP_PROTOCOL must be one of http\/protobuf, http\/json/],
    [{ OTEL_TRACES_SAMPLER: "sometimes" }, /OTEL_TRACES_SAMPLER must be one of/],
    [{ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" }, /OTEL_TRACES_SAMPLER_ARG must be a ratio/],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: "0" }, /OTEL_BSP_MAX_QUEUE_SIZE must be an integer of at least 1/],
    [{ OTEL_RESOURCE_ATTRIBUTES: "just-a-word" }, /OTEL_RESOURCE_ATTRIBUTES holds "just-a-word"/],
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, /OTEL_TRACES_EXPORTER must be otlp or none/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http:\/\/ or https:\/\/ URL/],
  ] as const) {
    assert.throws(() => readTracingConfig({ ...endpoint, ...variables }, "livecomments"), named);
  }
});
