import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "@grpc/grpc-js";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { LcError } from "../core/errors.js";
import { sendError, sendJson, sendJsonText } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import type { RawRoutes } from "../core/http/raw-routes.js";
import type { Logger } from "../core/logger.js";
import type { Registry } from "../core/metrics.js";
import { sendMetrics } from "../core/metrics.js";
import type { ReadinessCheck } from "../core/readiness.js";
import { checkReadiness } from "../core/readiness.js";
import type { ServerConfig } from "./config.js";
import { closeGrpc, listenGrpc } from "./grpc-server.js";
import { addHealthAndReflection } from "../core/grpc/grpc-introspection.js";
import { startHttpServer } from "./http-server.js";
import { OPENAPI_JSON } from "./openapi.js";

/** The listening ports of a process. */
export interface ListeningHost {
  readonly httpPort: number;
  /** Undefined when the process serves no gRPC. */
  readonly grpcPort: number | undefined;
  /** Reports the process not ready (/readyz 503, gRPC NOT_SERVING), so balancers stop sending work. */
  beginShutdown(): void;
  /** Stops accepting and closes connections; gRPC calls get a short grace period. */
  close(): Promise<void>;
}

/**
 * Serves what the roles of a process mounted: the router (plus /healthz) and the Connect
 * services on the HTTP port, and the gRPC server on the gRPC port when one is given.
 */
export async function listen(
  router: Router,
  options: {
    config: ServerConfig;
    logger: Logger;
    connectRoutes?: readonly ((router: ConnectRouter) => void)[];
    grpc?: Server;
    rawRoutes?: RawRoutes;
    /** Served at /metrics in the Prometheus text format. */
    metrics: Registry;
    /** What /readyz probes: the engines and peers this process needs. */
    readiness: readonly ReadinessCheck[];
  },
): Promise<ListeningHost> {
  const { config, logger } = options;
  let closing = false;
  router.add("GET", "/healthz", (_req, res) => sendJson(res, 200, { status: "ok" }));
  router.add("GET", "/readyz", async (_req, res) => {
    if (closing) return sendJson(res, 503, { status: "shutting_down", checks: {} });
    const { ready, checks } = await checkReadiness(options.readiness);
    sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not_ready", checks });
  });
  router.add("GET", "/metrics", (_req, res) => sendMetrics(res, options.metrics));
  router.add("GET", "/openapi.json", (_req, res) => sendJsonText(res, 200, OPENAPI_JSON, { "cache-control": "no-cache" }));
  const notFound = (req: IncomingMessage, res: ServerResponse) => sendError(req, res, new LcError("not_found", "no such route"), logger);
  const routes = options.connectRoutes ?? [];
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
    logger,
    ...(options.rawRoutes ? { rawRoutes: options.rawRoutes } : {}),
  });
  const grpc = options.grpc;
  const health = grpc ? addHealthAndReflection(grpc) : undefined;
  let grpcPort: number | undefined;
  try {
    grpcPort = grpc ? await listenGrpc(grpc, config.host, config.grpcPort) : undefined;
  } catch (error) {
    await http.close();
    throw error;
  }
  const beginShutdown = () => {
    closing = true;
    health?.setServing(false);
  };
  return {
    httpPort: http.port,
    grpcPort,
    beginShutdown,
    close: async () => {
      beginShutdown();
      await Promise.all([http.close(), grpc ? closeGrpc(grpc, 2_000) : undefined]);
    },
  };
}

/** The address to show for a bound host: a wildcard bind is reachable on loopback. */
export function shownHost(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}
