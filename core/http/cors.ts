import { LcError } from "../errors.js";

/** Request headers a page may send across origins: the API's own and Connect's. */
const ALLOWED_REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "idempotency-key",
  "last-event-id",
  "x-request-id",
  "if-none-match",
  "connect-protocol-version",
  "connect-timeout-ms",
  "grpc-timeout",
  "x-grpc-web",
  "x-user-agent",
].join(", ");

/** Response headers a page may read: what a client acts on (back-off, caching, tracing, where a stream was created). */
const EXPOSED_RESPONSE_HEADERS = ["retry-after", "etag", "x-request-id", "location", "grpc-status", "grpc-message"].join(", ");

/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_S = 7_200;

/**
 * Which other origins' pages may call the API (`LC_CORS_ORIGINS`): exact origins, or `*` for
 * any. An allowed origin is answered with itself in `Access-Control-Allow-Origin`; a listed
 * one may also send credentials (the viewer cookie), `*` may not, so a page anywhere cannot
 * act with a viewer's cookie. A disallowed origin gets no CORS headers, and its browser keeps
 * the answer from the page.
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly anyOrigin: boolean;

  /** Throws `invalid_argument` naming the first entry that is neither `*` nor an origin. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      if (entry !== "*" && !isOrigin(entry)) throw new LcError("invalid_argument", `not an origin (scheme://host[:port]) or *: ${JSON.stringify(entry)}`);
    }
    this.anyOrigin = entries.includes("*");
    this.origins = new Set(entries.filter((entry) => entry !== "*"));
  }

  /** Whether any other origin is allowed at all. */
  get enabled(): boolean {
    return this.anyOrigin || this.origins.size > 0;
  }

  /** Headers of an ordinary response to a request from `origin`; none when it is not allowed. */
  responseHeaders(origin: string | undefined): Record<string, string> {
    if (!this.enabled || origin === undefined) return {};
    // Caches must keep answers to different origins apart even when one of them is refused.
    if (!this.allows(origin)) return { vary: "origin" };
    return {
      "access-control-allow-origin": origin,
      vary: "origin",
      "access-control-expose-headers": EXPOSED_RESPONSE_HEADERS,
      ...(this.origins.has(origin) ? { "access-control-allow-credentials": "true" } : {}),
    };
  }

  /** Headers of the 204 answering a preflight from `origin` for a path with `methods`. */
  preflightHeaders(origin: string | undefined, methods: readonly string[]): Record<string, string> {
    const headers = this.responseHeaders(origin);
    if (!("access-control-allow-origin" in headers)) return headers;
    return {
      ...headers,
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": ALLOWED_REQUEST_HEADERS,
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
    };
  }

  private allows(origin: string): boolean {
    return this.origins.has(origin) || (this.anyOrigin && isOrigin(origin));
  }
}

/** Same origin only. */
export const SAME_ORIGIN_ONLY = new CorsPolicy([]);

/** An origin as browsers send it: scheme, host and an optional port, nothing else. */
function isOrigin(value: string): boolean {
  if (value.length > 300 || !/^https?:\/\/[^/?#\s]+$/.test(value)) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}
