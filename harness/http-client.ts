import type { CommentJson } from "../core/comment.js";
import { mintToken } from "../core/auth/dev-token.js";
import type { RoleUrls } from "./system.js";

/** A decoded response. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON object body, or an empty object. */
  readonly json: Record<string, unknown>;
}

/** The `code` of an error body, or undefined when the body is not one. */
export function errorCode(response: ApiResponse): string | undefined {
  const error = response.json.error as { code?: unknown; message?: unknown } | undefined;
  return typeof error?.code === "string" && typeof error.message === "string" ? error.code : undefined;
}

/** The body of a 202 answer. */
export interface Accepted {
  readonly comment_id: string;
  /** "held": kept for review, with no seq (0 here) until approved. */
  readonly status: "published" | "held";
  readonly seq: number;
  readonly server_ts: number;
  readonly offset_ms: number;
}

/**
 * Which role serves a request, as a load balancer in front of a distributed deployment routes
 * it: SSE to the edge, replay reads and PlaybackService to the archive, the rest to ingest.
 */
export function roleFor(method: string, path: string): keyof RoleUrls {
  if (/^\/v1\/streams\/[^/]+\/(comments\/subscribe|comments\/poll|viewers|held\/subscribe)(\?|$)/.test(path)) return "edge";
  if (method === "GET" && /^\/v1\/streams\/[^/]+(\/comments|\/timeline)?(\?|$)/.test(path)) return "archive";
  if (path.startsWith("/livecomments.v1.PlaybackService/") || path.startsWith("/v1/archive/")) return "archive";
  return "ingest";
}

/** A tiny HTTP client for the black-box tests. */
export class ApiClient {
  constructor(
    readonly urls: RoleUrls,
    private readonly jwtSecret: string,
  ) {}

  /** The full URL of a path, on the role that serves it. */
  url(path: string, method = "GET"): string {
    return this.urls[roleFor(method, path)] + path;
  }

  /** A token for `sub`, optionally with scopes. */
  token(sub: string, scope?: string, ttlSec?: number): Promise<string> {
    return mintToken(this.jwtSecret, { sub, name: `Name of ${sub}`, ...(scope ? { scope } : {}), ...(ttlSec ? { ttlSec } : {}) });
  }

  /** A token for `sub` that names the streams it is a member of. */
  memberToken(sub: string, memberships: readonly string[]): Promise<string> {
    return mintToken(this.jwtSecret, { sub, name: `Name of ${sub}`, memberships });
  }

  async request(
    method: string,
    path: string,
    options: { token?: string; json?: unknown; body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(this.url(path, method), { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const object = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
    return { status: response.status, headers: response.headers, text, json: object };
  }

  /** Creates a stream as an admin and returns its id. */
  async createStream(streamId = `st-${Math.random().toString(36).slice(2, 12)}`): Promise<string> {
    const admin = await this.token("admin", "streams:admin");
    const created = await this.request("POST", "/v1/streams", { token: admin, json: { stream_id: streamId } });
    if (created.status !== 201) throw new Error(`create stream: ${created.status} ${created.text}`);
    return streamId;
  }

  /** Posts a comment as `sub`, expecting 202. */
  async post(streamId: string, sub: string, text: string): Promise<Accepted> {
    const posted = await this.request("POST", `/v1/streams/${streamId}/comments`, { token: await this.token(sub), json: { text } });
    if (posted.status !== 202) throw new Error(`post: ${posted.status} ${posted.text}`);
    return posted.json as unknown as Accepted;
  }

  /** Polls the playback API until the window holds `count` comments (the archive is asynchronous). */
  async waitForArchive(streamId: string, count: number, timeoutMs = 10_000): Promise<CommentJson[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const page = await this.request("GET", `/v1/streams/${streamId}/comments?start_time=0&duration=3600&limit=1000`);
      const comments = (page.json.comments ?? []) as CommentJson[];
      if (comments.length >= count) return comments;
      if (Date.now() > deadline) throw new Error(`archive has ${comments.length}/${count} comments of ${streamId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
