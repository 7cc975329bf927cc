import type { IncomingMessage, ServerResponse } from "node:http";
import { LcError } from "../errors.js";
import type { Logger } from "../logger.js";
import { httpStatusOf } from "./http-status.js";

/** Sends a JSON body with the given status. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(payload);
}

/**
 * Answers any failure as `{"error":{"code","message"}}` with its mapped status, adding
 * Retry-After (whole seconds, rounded up) when the error says when to retry. Unknown
 * failures are logged with their cause and answered with a generic 500.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, caught: unknown, logger: Logger): void {
  const error = LcError.from(caught);
  const status = httpStatusOf(error);
  if (status >= 500 && error.reason !== "log_unavailable" && error.reason !== "overloaded") {
    logger.error("request failed", { method: req.method, url: req.url, err: error.cause ?? error });
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  // A request whose body was refused may still be arriving; closing tells the client to stop.
  if (status === 413 || status === 415) headers.connection = "close";
  sendJson(res, status, { error: { code: error.reason, message: error.message } }, headers);
}
