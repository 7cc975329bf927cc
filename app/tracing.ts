import type { Logger } from "../core/logger.js";
import { enableTracing } from "../core/tracing.js";
import type { SpanExportLimits } from "./span-export.js";

type Environment = Readonly<Record<string, string | undefined>>;

/** A started tracing SDK: flushes what it holds on shutdown. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/** The OTLP protocols this build exports with. */
const PROTOCOLS = ["http/protobuf", "http/json"] as const;
type OtlpProtocol = (typeof PROTOCOLS)[number];

const SAMPLERS = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"] as const;
type SamplerName = (typeof SAMPLERS)[number];

/** What the standard `OTEL_*` variables ask of tracing; undefined when tracing is off. */
export interface TracingConfig {
  readonly protocol: OtlpProtocol;
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: SamplerName;
  readonly ratio: number;
  readonly limits: SpanExportLimits;
}

/**
 * Reads the standard OpenTelemetry variables. Tracing is on only when an OTLP endpoint is set
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`), and not turned off by
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. A value it cannot use is an error
 * that names the variable, as every setting's is.
 */
export function readTracingConfig(env: Environment, defaultServiceName: string): TracingConfig | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === "none") return undefined;
  if (exporter !== undefined && exporter !== "" && exporter !== "otlp") throw new Error(`OTEL_TRACES_EXPORTER must be otlp or none, not "${exporter}"`);
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]) {
    const value = env[name];
    if (value && !/^https?:\/\/[^/]/.test(value)) throw new Error(`${name} must be an http:// or https:// URL, not "${value}"`);
  }
  const protocolVariable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = (env[protocolVariable] || "http/protobuf").trim();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw new Error(`${protocolVariable} must be one of ${PROTOCOLS.join(", ")}, not "${protocol}"`);
  const sampler = (env.OTEL_TRACES_SAMPLER || "parentbased_always_on").trim();
  if (!(SAMPLERS as readonly string[]).includes(sampler)) throw new Error(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(", ")}, not "${sampler}"`);
  const ratioText = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const ratio = ratioText ? Number(ratioText) : 1;
  if (sampler.endsWith("traceidratio") && !(ratio >= 0 && ratio <= 1))
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, not "${ratioText}"`);
  const resourceAttributes = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES ?? "");
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || resourceAttributes["service.name"] || defaultServiceName;
  const whole = (name: string, fallback: number, min: number) => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, not "${text}"`);
    return value;
  };
  const maxQueueSize = whole("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1);
  return {
    protocol: protocol as OtlpProtocol,
    serviceName,
    resourceAttributes,
    sampler: sampler as SamplerName,
    ratio,
    limits: {
      maxQueueSize,
      maxExportBatchSize: Math.min(whole("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1), maxQueueSize),
      scheduleDelayMs: whole("OTEL_BSP_SCHEDULE_DELAY", 5_000, 1),
      exportTimeoutMs: whole("OTEL_BSP_EXPORT_TIMEOUT", 30_000, 1),
    },
  };
}

/** `key=value,key=value` with percent-encoded values, as OTEL_RESOURCE_ATTRIBUTES holds them. */
function parseResourceAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) {
      if (pair.trim() !== "") throw new Error(`OTEL_RESOURCE_ATTRIBUTES holds "${pair}", which is not key=value`);
      continue;
    }
    try {
      attributes[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new Error(`OTEL_RESOURCE_ATTRIBUTES holds a malformed percent escape in "${pair}"`);
    }
  }
  return attributes;
}

/**
 * Loads the OpenTelemetry SDK and registers it globally, exporting over OTLP as `config` says;
 * the exporter reads its endpoint, headers, timeout and compression from the `OTEL_EXPORTER_OTLP_*`
 * variables itself. Nothing of the SDK is loaded when tracing is off.
 */
export async function startTracing(config: TracingConfig, version: string, logger: Logger): Promise<Tracing> {
  const [api, { W3CTraceContextPropagator }, sdk, { resourceFromAttributes }, { BoundedSpanProcessor }, exporterModule] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/core"),
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/resources"),
    import("./span-export.js"),
    config.protocol === "http/json" ? import("@opentelemetry/exporter-trace-otlp-http") : import("@opentelemetry/exporter-trace-otlp-proto"),
  ]);
  const ratioSampler = () => new sdk.TraceIdRatioBasedSampler(config.ratio);
  const root = { always_on: () => new sdk.AlwaysOnSampler(), always_off: () => new sdk.AlwaysOffSampler(), traceidratio: ratioSampler }[
    config.sampler.replace("parentbased_", "") as "always_on" | "always_off" | "traceidratio"
  ]();
  const sampler = config.sampler.startsWith("parentbased_") ? new sdk.ParentBasedSampler({ root }) : root;
  const processor = new BoundedSpanProcessor(new exporterModule.OTLPTraceExporter(), config.limits, logger);
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ ...config.resourceAttributes, "service.name": config.serviceName, "service.version": version }),
    sampler,
    spanProcessors: [processor],
  });
  // No context manager: spans travel with the work (core/tracing.ts), since AsyncLocalStorage under
  // every promise cost ingest a quarter more CPU per post even at 1 % sampling (BENCHMARKS.md).
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  enableTracing();
  logger.info("tracing", { service: config.serviceName, protocol: config.protocol, sampler: config.sampler, ratio: config.ratio });
  return { shutdown: () => provider.shutdown() };
}
