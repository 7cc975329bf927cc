import type { IncomingMessage, ServerResponse } from "node:http";
import { LcError } from "../errors.js";

/** Path parameters captured by a route, by name. */
export type RouteParams = Readonly<Record<string, string>>;

/** Handles one matched request. The URL is already parsed once for every route. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: RouteParams, url: URL) => Promise<void> | void;

/** A matched route: its handler, the path's parameters and the route's pattern (a request's route template). */
export interface RouteMatch {
  readonly handler: RouteHandler;
  readonly params: RouteParams;
  readonly pattern: string;
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

/** Longest path a route will look at; anything longer cannot match a route. */
const MAX_PATH_LENGTH = 512;

/**
 * A minimal method + path router. Patterns are literal segments and `:name` parameters;
 * parameters are percent-decoded, and a malformed escape makes the route not match.
 */
export class Router {
  private readonly table: Route[] = [];

  /** Every route as `METHOD /pattern`, in the order added. */
  routes(): string[] {
    return this.table.map((route) => `${route.method} ${route.pattern}`);
  }

  /** The pattern of the first route with this path, whatever its method: a request's route template. */
  patternFor(pathname: string): string | undefined {
    if (pathname.length > MAX_PATH_LENGTH) return undefined;
    const parts = pathname.split("/").slice(1);
    const route = this.table.find((candidate) => matchSegments(candidate.segments, parts));
    return route?.pattern;
  }

  /** Adds a route such as `router.add("GET", "/v1/streams/:id", handler)`. */
  add(method: string, pattern: string, handler: RouteHandler): this {
    this.table.push({ method, pattern, segments: pattern.split("/").slice(1), handler });
    return this;
  }

  /** The methods routes serve at `pathname` (HEAD with GET), for `Allow` and CORS preflights. */
  methodsFor(pathname: string): string[] {
    if (pathname.length > MAX_PATH_LENGTH) return [];
    const parts = pathname.split("/").slice(1);
    const methods = new Set(this.table.filter((route) => matchSegments(route.segments, parts)).map((route) => route.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods];
  }

  /**
   * Finds the route for a request: the handler and its params, `method_not_allowed` when the
   * path exists for another method, or undefined when no route has the path.
   */
  match(method: string, pathname: string): RouteMatch | LcError | undefined {
    if (pathname.length > MAX_PATH_LENGTH) return undefined;
    const parts = pathname.split("/").slice(1);
    let pathMatched = false;
    for (const route of this.table) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (route.method === "GET" && method === "HEAD")) return { handler: route.handler, params, pattern: route.pattern };
      pathMatched = true;
    }
    return pathMatched ? new LcError("method_not_allowed", `${method} is not allowed here`) : undefined;
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(":")) {
      // A trailing slash names no resource: `/comments/` is not a comment with an empty id.
      if (actual === "" && i === pattern.length - 1) return undefined;
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
