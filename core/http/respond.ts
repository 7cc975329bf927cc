import type { IncomingMessage, ServerResponse } from "node:http";
import { requestIdOf } from "../request-id.js";
import { clientAddressOf } from "./client-address.js";
import type { Logger } from "../logger.js";
import { requestSpanOf, traceFieldsOf } from "../tracing.js";
import { errorAnswer } from "./http-status.js";

/** Sends a JSON body with the given status. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends JSON already serialised (a document served many times is serialised once). */
export function sendJsonText(res: ServerResponse, status: number, payload: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(payload);
}

/**
 * Answers any failure in its HTTP form (see errorAnswer). Unknown failures are logged with
 * their cause and answered with a generic 500.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, caught: unknown, logger: Logger): void {
  const { error, status, body, headers } = errorAnswer(caught);
  if (status >= 500 && error.reason !== "log_unavailable" && error.reason !== "overloaded") {
    logger.error("request failed", {
      method: req.method,
      url: req.url,
      requestId: requestIdOf(req),
      client: clientAddressOf(req),
      err: error.cause ?? error,
      ...traceFieldsOf(requestSpanOf(req)),
    });
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A request whose body was refused may still be arriving; closing tells the client to stop.
  // (HTTP/2 has no Connection header: a request body still arriving there is reset by the
  // server's request timeout.)
  const close: Record<string, string> = req.httpVersionMajor === 1 && (status === 408 || status === 413 || status === 415) ? { connection: "close" } : {};
  sendJsonText(res, status, body, { ...headers, ...close });
}

/** A request header's value (the first, when repeated). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
