import type { IncomingMessage, ServerResponse } from "node:http";
import { createConnectRouter } from "@connectrpc/connect";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { LcError } from "../core/errors.js";
import { sendError, sendJson, sendJsonText } from "../core/http/respond.js";
import { TrustedProxies } from "../core/http/client-address.js";
import { CorsPolicy } from "../core/http/cors.js";
import { RawRoutes } from "../core/http/raw-routes.js";
import { Router } from "../core/http/router.js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import { METRIC_PREFIX, sendMetrics } from "../core/metrics.js";
import { Gauge } from "prom-client";
import type { ReadinessCheck } from "../core/readiness.js";
import { checkReadiness } from "../core/readiness.js";
import type { RoleMounts } from "../core/role.js";
import { closeGrpc, createGrpcServer, listenGrpc } from "./grpc-server.js";
import { callDurations } from "../core/grpc/call-durations.js";
import { callSpans } from "../core/grpc/call-spans.js";
import { tracingOn } from "../core/tracing.js";
import { grpcRequestDurations, httpRequestDurations } from "../core/request-durations.js";
import type { HostTls } from "./tls.js";
import { addHealthAndReflection } from "../core/grpc/grpc-introspection.js";
import { startHttpServer } from "./http-server.js";
import type { HostSettings } from "./settings.js";

/** The listening ports of a process. */
export interface ListeningHost {
  /** "https" when the ports serve TLS. */
  readonly scheme: "http" | "https";
  readonly httpPort: number;
  /** Undefined when the process serves no gRPC. */
  readonly grpcPort: number | undefined;
  /** Reports the process not ready (/readyz 503, gRPC NOT_SERVING), so balancers stop sending work. */
  beginShutdown(): void;
  /** Stops accepting and closes connections; gRPC calls get a short grace period. */
  close(): Promise<void>;
}

/** Empty mounts for the roles of one process to put their endpoints on; gRPC calls are timed on `metrics`. */
export function createRoleMounts(metrics: Registry): RoleMounts {
  const interceptors = [callDurations(grpcRequestDurations(metrics)), ...(tracingOn() ? [callSpans()] : [])];
  return { router: new Router(), grpc: createGrpcServer(interceptors), rawRoutes: new RawRoutes(), connectRoutes: [] };
}

/**
 * Serves what the roles of a process mounted: the router (plus /healthz, /readyz, /metrics and
 * /openapi.json), the raw routes and the Connect services on the HTTP port, and the gRPC server
 * on the gRPC port when `serveGrpc`.
 */
export async function listen(
  mounts: RoleMounts,
  options: {
    config: HostSettings;
    logger: Logger;
    serveGrpc: boolean;
    /** Served at /metrics in the Prometheus text format. */
    metrics: Registry;
    /** What /readyz probes: the engines and peers this process needs. */
    readiness: readonly ReadinessCheck[];
    /** The OpenAPI document served at /openapi.json. */
    openApiJson: string;
    /** Serve TLS on both ports. */
    tls?: HostTls;
  },
): Promise<ListeningHost> {
  const { config, logger } = options;
  const { router } = mounts;
  let closing = false;
  router.add("GET", "/healthz", (_req, res) => sendJson(res, 200, { status: "ok" }));
  router.add("GET", "/readyz", async (_req, res) => {
    if (closing) return sendJson(res, 503, { status: "shutting_down", checks: {} });
    const { ready, checks } = await checkReadiness(options.readiness);
    sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not_ready", checks });
  });
  router.add("GET", "/metrics", (_req, res) => sendMetrics(res, options.metrics));
  new Gauge({
    name: `${METRIC_PREFIX}ready`,
    help: "1 when every engine and peer the process needs answers (what /readyz says), else 0; 0 once shutting down.",
    registers: [options.metrics],
    async collect() {
      this.set(!closing && (await checkReadiness(options.readiness)).ready ? 1 : 0);
    },
  });
  router.add("GET", "/openapi.json", (_req, res) => sendJsonText(res, 200, options.openApiJson, { "cache-control": "no-cache" }));
  const notFound = (req: IncomingMessage, res: ServerResponse) => sendError(req, res, new LcError("not_found", "no such route"), logger);
  const routes = mounts.connectRoutes;
  const fallback =
    routes.length === 0
      ? notFound
      : connectNodeAdapter({
          routes: (connectRouter) => routes.forEach((mount) => mount(connectRouter)),
          fallback: (req, res) => notFound(req as IncomingMessage, res as ServerResponse),
        });
  const http = await startHttpServer({
    host: config.host,
    port: config.httpPort,
    router,
    fallback,
    maxConnections: config.maxConnections,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    shutdownGraceMs: config.shutdownGraceMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    trustedProxies: new TrustedProxies(config.trustedProxies),
    cors: new CorsPolicy(config.corsOrigins),
    fallbackServesRpc: routes.length > 0,
    ...(options.tls ? { tls: options.tls } : {}),
    logger,
    rawRoutes: mounts.rawRoutes,
    rpcPaths: connectProcedurePaths(routes),
    recordRequest: httpRequestDurations(options.metrics),
  });
  const grpc = options.serveGrpc ? mounts.grpc : undefined;
  const health = grpc ? addHealthAndReflection(grpc) : undefined;
  let grpcPort: number | undefined;
  try {
    grpcPort = grpc ? await listenGrpc(grpc, config.host, config.grpcPort, options.tls) : undefined;
  } catch (error) {
    await http.close();
    throw error;
  }
  const beginShutdown = () => {
    closing = true;
    health?.setServing(false);
  };
  return {
    scheme: options.tls ? "https" : "http",
    httpPort: http.port,
    grpcPort,
    beginShutdown,
    close: async () => {
      beginShutdown();
      await Promise.all([http.close(), grpc ? closeGrpc(grpc, 2_000) : undefined]);
    },
  };
}

/** The paths (`/package.Service/Method`) of the Connect procedures `routes` mount. */
function connectProcedurePaths(routes: readonly ((router: ConnectRouter) => void)[]): ReadonlySet<string> {
  const router = createConnectRouter();
  for (const mount of routes) mount(router);
  return new Set(router.handlers.map((handler) => handler.requestPath));
}

/** The address to show for a bound host: a wildcard bind is reachable on loopback. */
export function shownHost(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}
