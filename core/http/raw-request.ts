import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { LcError } from "../errors.js";
import { NO_TRUSTED_PROXIES } from "./client-address.js";
import type { TrustedProxies } from "./client-address.js";
import { SAME_ORIGIN_ONLY } from "./cors.js";
import type { CorsPolicy } from "./cors.js";
import { hasDotSegment } from "./dot-segments.js";
import { errorAnswer } from "./http-status.js";

/** A GET read straight off a socket: what a long-lived response needs and nothing more. */
export interface RawRequest {
  readonly url: URL;
  /** Header values by lower-case name (the first of repeated headers). */
  readonly headers: ReadonlyMap<string, string>;
  /** The client's address: the peer, or who a trusted proxy says the client is. */
  readonly clientAddress: string;
  /** Headers every response to this request carries (CORS), as `name: value\r\n` lines. */
  readonly responseHeaderLines: string;
}

/** What decides a raw request's client address and CORS headers. */
export interface RawRequestContext {
  readonly trustedProxies?: TrustedProxies;
  readonly cors?: CorsPolicy;
}

/** Largest request head accepted on the raw path. */
export const MAX_RAW_HEAD_BYTES = 16 * 1024;
/** Time the rest of the head may take to arrive. */
const HEAD_TIMEOUT_MS = 10_000;
const REQUEST_LINE = /^GET (\/[!-~]*) HTTP\/1\.[01]$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/**
 * Reads a GET request's head from a socket whose first bytes are `first`, for the few
 * endpoints that hold a connection open for long (SSE), where node:http's request and response
 * objects would cost more memory than the socket itself. Strict and bounded: a head over
 * 16 KiB, a request with a body, or anything malformed is refused.
 */
export function readRawRequest(socket: Socket, first: Buffer, context: RawRequestContext = {}): Promise<RawRequest> {
  return new Promise((resolve, reject) => {
    let head = first;
    const fail = (error: LcError) => {
      cleanup();
      reject(error);
    };
    const tryParse = () => {
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_RAW_HEAD_BYTES) fail(new LcError("invalid_argument", "request head too large"));
        return;
      }
      cleanup();
      try {
        resolve(parseHead(head.subarray(0, end).toString("latin1"), socket.remoteAddress ?? "unknown", context));
      } catch (error) {
        reject(LcError.from(error));
      }
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      tryParse();
    };
    const onTimeout = () => fail(new LcError("invalid_argument", "request head took too long"));
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("timeout", onTimeout);
      socket.setTimeout(0);
    };
    socket.on("data", onData);
    socket.setTimeout(HEAD_TIMEOUT_MS, onTimeout);
    tryParse();
  });
}

function parseHead(text: string, peer: string, context: RawRequestContext): RawRequest {
  if (text.length > MAX_RAW_HEAD_BYTES) throw new LcError("invalid_argument", "request head too large");
  const [requestLine, ...lines] = text.split("\r\n");
  const request = REQUEST_LINE.exec(requestLine ?? "");
  if (!request) throw new LcError("invalid_argument", "malformed request line");
  if (hasDotSegment(request[1]!)) throw new LcError("not_found", "no such route");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const header = HEADER_LINE.exec(line);
    if (!header) throw new LcError("invalid_argument", "malformed header");
    const name = header[1]!.toLowerCase();
    const earlier = headers.get(name);
    // Each proxy may add its own line: the chain is all of them, in order.
    if (earlier === undefined) headers.set(name, header[2]!);
    else if (name === "x-forwarded-for" || name === "forwarded") headers.set(name, `${earlier}, ${header[2]!}`);
  }
  if ((headers.has("content-length") && headers.get("content-length") !== "0") || headers.has("transfer-encoding")) {
    throw new LcError("invalid_argument", "a GET must not carry a body");
  }
  const trusted = context.trustedProxies ?? NO_TRUSTED_PROXIES;
  const clientAddress = trusted.clientAddress(peer, { xForwardedFor: headers.get("x-forwarded-for"), forwarded: headers.get("forwarded") });
  const responseHeaders = (context.cors ?? SAME_ORIGIN_ONLY).responseHeaders(headers.get("origin"));
  return { url: new URL(request[1]!, "http://localhost"), headers, clientAddress, responseHeaderLines: headerLines(responseHeaders) };
}

/** Headers as the `name: value\r\n` lines of a response head. */
export function headerLines(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
}

/** Answers an error on a raw socket, in the API's JSON shape, and closes it. */
export function writeRawError(socket: Socket, caught: unknown, responseHeaderLines = ""): void {
  const { status, body, headers } = errorAnswer(caught);
  const extra = headerLines(headers) + responseHeaderLines;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}
