import { createServer as createHttp1Server } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants, createServer as createHttp2Server } from "node:http2";
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from "node:http2";
import { createServer as createNetServer } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { HostTls } from "./tls.js";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { LcError } from "../core/errors.js";
import { headerValue, sendError } from "../core/http/respond.js";
import { REQUEST_ID_HEADER, acceptRequestId, tagRequest } from "../core/request-id.js";
import type { RouteMatch, Router } from "../core/http/router.js";
import { hasDotSegment } from "../core/http/dot-segments.js";
import { DEFAULT_BODY_TIMEOUT_MS } from "../core/http/read-json-body.js";
import { readRawRequest, writeRawError } from "../core/http/raw-request.js";
import type { RawRequest } from "../core/http/raw-request.js";
import { NO_TRUSTED_PROXIES, tagClientAddress } from "../core/http/client-address.js";
import type { TrustedProxies } from "../core/http/client-address.js";
import { SAME_ORIGIN_ONLY } from "../core/http/cors.js";
import type { CorsPolicy } from "../core/http/cors.js";
import type { RawRoutes } from "../core/http/raw-routes.js";
import type { Logger } from "../core/logger.js";
import { UNMATCHED_ROUTE } from "../core/request-durations.js";
import { contextFromHeaders, endRequestSpan, startRequestSpan, tagRequestSpan, tracingOn } from "../core/tracing.js";
import type { Span } from "../core/tracing.js";
import type { HttpRequestRecorder } from "../core/request-durations.js";

/** A Node request handler; HTTP/2 requests reach it through Node's compatibility API. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Time a client has to send a request's head, by default; also a new connection's time to send its first bytes. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/** How often node:http looks for requests over their time (its default, 30 s, lets a slowloris stay 3x too long). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** An HTTP/2 connection with no request for this long is closed (HTTP/1.1 ones: the keep-alive timeout). */
const HTTP2_IDLE_TIMEOUT_MS = 60_000;

/**
 * How long an idle HTTP/1.1 connection is kept, by default: longer than the 60 s idle timeout of
 * common load balancers, so the balancer, not this server, closes an idle connection (Node's own
 * 5 s made a balancer or a client reusing a connection it had just closed see a reset: 502s).
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** How long a closing server lets requests already in progress finish, by default. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Concurrent requests per HTTP/2 connection: bounds what one connection can hold open. */
const HTTP2_MAX_CONCURRENT_STREAMS = 100;

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly router: Router;
  /** Answers what the router does not know (the Connect services, then 404). */
  readonly fallback: NodeHandler;
  readonly maxConnections: number;
  /** Time to send the request head; then `bodyTimeoutMs` more for the body, or the request is cut off. */
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  /** How long an idle HTTP/1.1 keep-alive connection stays open. */
  readonly keepAliveTimeoutMs?: number;
  /** On close, how long requests in progress may take to finish before their connections are cut. */
  readonly shutdownGraceMs?: number;
  /** Long-lived GET endpoints served on the raw socket (see RawRoutes). */
  readonly rawRoutes?: RawRoutes;
  /** The proxies allowed to say who the client is (X-Forwarded-For, Forwarded). */
  readonly trustedProxies?: TrustedProxies;
  /** Which other origins' pages may call the API. */
  readonly cors?: CorsPolicy;
  /** Serve TLS (HTTP/2 by ALPN, HTTP/1.1 otherwise) instead of cleartext. */
  readonly tls?: HostTls;
  /** Whether the fallback serves RPCs (Connect, gRPC-Web) at `/package.Service/Method`: POST, for preflights. */
  readonly fallbackServesRpc?: boolean;
  /** The RPC paths the fallback serves: each is its own route label; other unrouted paths share one. */
  readonly rpcPaths?: ReadonlySet<string>;
  /** Told of every request the router or the fallback answered, by route template (raw routes are not). */
  readonly recordRequest?: HttpRequestRecorder;
  readonly logger: Logger;
}

/** Routes a probe or a scraper calls every few seconds: not worth a span each. */
const UNTRACED_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/** The status recorded for a request whose client went away before its response ended. */
const CLIENT_CLOSED_REQUEST = 499;

/** The path of an RPC: `/package.Service/Method`. */
const RPC_PATH = /^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/;

/** A listening HTTP server. */
export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the router on one port for HTTP/1.1 and cleartext HTTP/2 (prior knowledge), so REST,
 * SSE, Connect, gRPC-Web and gRPC all share it. Each connection is handed on by its first
 * bytes: only HTTP/2 starts with "PRI", and a GET for a raw route (SSE) keeps its bare socket.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { router, fallback, logger } = options;
  const trustedProxies = options.trustedProxies ?? NO_TRUSTED_PROXIES;
  const cors = options.cors ?? SAME_ORIGIN_ONLY;
  /** The methods served at a path, for OPTIONS. */
  const methodsAt = (pathname: string): string[] => {
    const methods = router.methodsFor(pathname);
    if (methods.length === 0 && options.fallbackServesRpc && RPC_PATH.test(pathname)) methods.push("POST");
    return methods;
  };
  /** Responses not yet ended: on close, the server waits for them (up to the grace). */
  const inProgress = new Set<ServerResponse>();
  let closing = false;
  let drained = () => {};
  const rpcPaths = options.rpcPaths ?? new Set<string>();
  const routeLabel = (pathname: string) => router.patternFor(pathname) ?? (rpcPaths.has(pathname) ? pathname : UNMATCHED_ROUTE);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    let route = UNMATCHED_ROUTE;
    let span: Span | undefined;
    inProgress.add(res);
    res.once("close", () => {
      inProgress.delete(res);
      if (closing && inProgress.size === 0) drained();
      // A response cut off before its end is the client's going away, as nginx logs it: 499.
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      options.recordRequest?.(route, req.method ?? "", status, (performance.now() - started) / 1000);
      if (span) endRequestSpan(span, status);
    });
    if (closing && req.httpVersionMajor === 1) res.setHeader("connection", "close");
    const requestId = acceptRequestId(headerValue(req, REQUEST_ID_HEADER));
    tagRequest(req, requestId);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    tagClientAddress(
      req,
      trustedProxies.clientAddress(req.socket.remoteAddress ?? "unknown", {
        xForwardedFor: headerValue(req, "x-forwarded-for"),
        forwarded: headerValue(req, "forwarded"),
      }),
    );
    const origin = headerValue(req, "origin");
    for (const [name, value] of Object.entries(cors.responseHeaders(origin))) res.setHeader(name, value);
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      sendError(req, res, new LcError("invalid_argument", "malformed request URL"), logger);
      return;
    }
    if (hasDotSegment(req.url ?? "")) {
      sendError(req, res, new LcError("not_found", "no such route"), logger);
      return;
    }
    // Connect builds a URL from the Host header and throws synchronously on a malformed one,
    // which would take the whole process down: refuse such a request here.
    const host = (req as IncomingMessage & { authority?: string }).authority ?? req.headers.host; // HTTP/2: :authority
    if (host !== undefined && !isValidHost(host)) {
      sendError(req, res, new LcError("invalid_argument", "malformed Host header"), logger);
      return;
    }
    const match = req.method === "OPTIONS" ? undefined : router.match(req.method ?? "GET", url.pathname);
    route = match && !(match instanceof LcError) ? match.pattern : routeLabel(url.pathname);
    if (tracingOn() && !UNTRACED_ROUTES.has(route)) {
      span = startRequestSpan(`${req.method} ${route}`, contextFromHeaders(req.headers), {
        "http.request.method": req.method ?? "",
        "http.route": route,
      });
      tagRequestSpan(req, span);
    }
    dispatch(req, res, url, origin, match);
  };
  const dispatch = (req: IncomingMessage, res: ServerResponse, url: URL, origin: string | undefined, match: RouteMatch | LcError | undefined) => {
    if (req.method === "OPTIONS") {
      const methods = methodsAt(url.pathname);
      if (methods.length === 0) return sendError(req, res, new LcError("not_found", "no such route"), logger);
      const allowed = [...methods, "OPTIONS"];
      res.writeHead(204, { allow: allowed.join(", "), ...cors.preflightHeaders(origin, allowed) });
      res.end();
      return;
    }
    if (match === undefined) {
      try {
        return fallback(req, res);
      } catch (error) {
        return sendError(req, res, error, logger);
      }
    }
    if (match instanceof LcError) return sendError(req, res, match, logger);
    try {
      Promise.resolve(match.handler(req, res, match.params, url)).catch((error: unknown) => sendError(req, res, error, logger));
    } catch (error) {
      sendError(req, res, error, logger);
    }
  };
  // Slow clients (slowloris) hold a connection only for the head and body timeouts; handlers
  // that read a body answer 408 first, this is the backstop for everything else.
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeoutMs = headersTimeoutMs + (options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  const http1 = createHttp1Server(
    { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    handle,
  );
  http1.keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  // node:http checks its head and request timeouts on a timer it starts when it listens; this
  // server never listens (the net server hands it connections), so start the timer here, or a
  // slowloris client is never cut off.
  http1.emit("listening");
  const http2 = createHttp2Server({ settings: { maxConcurrentStreams: HTTP2_MAX_CONCURRENT_STREAMS } }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    // HTTP/2 has no request timeout of its own: a request whose body is still incomplete when
    // the time is up is reset. Streaming calls have sent their whole request by then.
    if (!req.complete) {
      const timer = setTimeout(() => req.stream.close(constants.NGHTTP2_CANCEL), requestTimeoutMs);
      req.once("end", () => clearTimeout(timer));
      req.stream.once("close", () => clearTimeout(timer));
    }
    handle(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
  const sessions = new Set<ServerHttp2Session>();
  http2.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    session.setTimeout(HTTP2_IDLE_TIMEOUT_MS, () => session.close());
  });
  // Requests node:http cannot parse still get the API's JSON error, then the connection closes.
  http1.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    writeRawError(socket, clientErrorOf(error.code));
  });

  const sockets = new Set<Socket>();
  // Each connection is handed on by its first bytes, after the TLS handshake when there is one:
  // HTTP/2 starts with its preface ("PRI") whether ALPN chose it or the client knew it.
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.setTimeout(headersTimeoutMs, () => socket.destroy());
    socket.once("data", (chunk: Buffer) => {
      socket.setTimeout(0);
      const raw = options.rawRoutes?.match(chunk);
      if (raw) {
        let request: RawRequest | undefined;
        readRawRequest(socket, chunk, { trustedProxies, cors })
          .then((read) => raw(socket, (request = read)))
          .catch((error: unknown) => {
            if (!(error instanceof LcError)) logger.error("raw request failed", { client: request?.clientAddress, err: error });
            if (!socket.destroyed) writeRawError(socket, error, request?.responseHeaderLines);
          });
        return;
      }
      socket.pause();
      socket.unshift(chunk);
      const target = chunk.length >= 3 && chunk.toString("latin1", 0, 3) === "PRI" ? http2 : http1;
      target.emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  };
  const { tls } = options;
  const server: NetServer = tls
    ? createTlsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ALPNProtocols: ["h2", "http/1.1"],
          ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          handshakeTimeout: headersTimeoutMs,
        },
        onConnection,
      )
    : createNetServer(onConnection);
  // A failed handshake (no client certificate, a plaintext client) only ends that connection.
  server.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
  server.maxConnections = options.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    // Stops accepting, lets requests in progress finish (their comments answered, not cut off
    // mid-way), then cuts every connection still open.
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      http1.closeIdleConnections();
      for (const res of inProgress) if (!res.headersSent && res.req.httpVersionMajor === 1) res.setHeader("connection", "close");
      for (const session of sessions) session.close(); // GOAWAY: no new streams on it
      if (inProgress.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS))),
        ]);
        clearTimeout(timer);
      }
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The API's error for what node:http refused before any handler saw the request. */
function clientErrorOf(code: string | undefined): LcError {
  if (code === "HPE_HEADER_OVERFLOW") return new LcError("headers_too_large", "request headers too large");
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return new LcError("request_timeout", "the request did not arrive in time");
  return new LcError("invalid_argument", "malformed HTTP request");
}

/** Whether a Host header value makes a URL authority (what Connect and the URL parser accept). */
function isValidHost(host: string): boolean {
  try {
    return new URL(`http://${host}/`).host !== "";
  } catch {
    return false;
  }
}
