import type { WireComment, WireStream, WireTimeline } from "./shared/wire-types.js";

export type {
  WireComment,
  WireHeldComment,
  WireHeldResolution,
  WirePostAnswer,
  WireStream,
  WireStreamChange,
  WireStreamRank,
  WireTimeline,
  WireTimelinePeak,
} from "./shared/wire-types.js";

/** The fetch the SDK calls: the browser's by default, injectable for tests and other runtimes. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * A JWT, or a function that gives a current one. A function is called before every connect and
 * every request, so a token that expires is replaced by the page's own means (its session).
 */
export type TokenSource = string | (() => string | Promise<string>);

/** Whether requests carry the browser's cookies for the API's origin (fetch's `credentials`). */
export type Credentials = "omit" | "same-origin" | "include";

/** How every class of the SDK reaches the API. */
export interface ApiOptions {
  /** The API's base URL, e.g. `https://comments.example.com`, or `""` for the page's origin. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer`; none when unset. */
  readonly token?: TokenSource;
  /**
   * `"include"` sends the browser's cookies to the API's origin (across origins too, when the
   * API lists the page's origin): the live feed then identifies its viewer by the `lc_token`
   * cookie instead of a token in its URL.
   */
  readonly credentials?: Credentials;
  readonly fetch?: Fetch;
}

/** The token to send now: asks the function, if the token is one. */
export async function currentToken(token: TokenSource | undefined): Promise<string | undefined> {
  return typeof token === "function" ? await token() : token;
}

/**
 * Sends one request to the API with the current token and the credentials asked for. An answer
 * of 401 to a token from a function asks the function once more and sends the request once
 * more: the token had expired between the function's answer and the server's check.
 */
export async function sendRequest(api: ApiOptions, path: string, init: RequestInit = {}): Promise<Response> {
  const fetcher = api.fetch ?? defaultFetch();
  const send = (token: string | undefined) => {
    const headers = { ...(init.headers as Record<string, string> | undefined), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
    return fetcher(apiUrl(api.baseUrl, path), { ...init, headers, ...(api.credentials ? { credentials: api.credentials } : {}) });
  };
  const { token } = api;
  if (typeof token !== "function") return send(token);
  const response = await send(await token());
  if (response.status !== 401) return response;
  await response.body?.cancel();
  return send(await token());
}

/** Sends a request and reads its JSON answer; a refusal rejects with a LiveCommentsError. */
export async function requestJson<T>(api: ApiOptions, path: string, init: RequestInit = {}): Promise<T> {
  const response = await sendRequest(api, path, init);
  if (!response.ok) throw await errorFromResponse(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** A refusal or failure the SDK reports: `code` is the API's stable error code when it sent one. */
export class LiveCommentsError extends Error {
  override readonly name = "LiveCommentsError";

  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status, or 0 when no answer arrived. */
    readonly status = 0,
  ) {
    super(message);
  }
}

/** Joins the API's base URL and a path (`https://host/base` + `/v1/...`). */
export function apiUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}

/** Path of a stream's resource (the id is validated by the server; it is encoded here). */
export function streamPath(streamId: string, rest = ""): string {
  return `/v1/streams/${encodeURIComponent(streamId)}${rest}`;
}

/** Turns a non-2xx answer into a LiveCommentsError carrying the API's `{"error":{code,message}}`. */
export async function errorFromResponse(response: Response): Promise<LiveCommentsError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    // not the API's JSON: keep the status line
  }
  return new LiveCommentsError(code, message, response.status);
}

/** Reads a stream's description; with a token, it says the caller's rank on it (`caller_rank`). */
export function getStream(api: ApiOptions, streamId: string, signal?: AbortSignal): Promise<WireStream> {
  return requestJson(api, streamPath(streamId), signal ? { signal } : {});
}

/** Most pages {@link getWindow} reads for one window before it gives up loudly. */
const MAX_PAGES_PER_WINDOW = 200;

/** A window of a stream's timeline and how to read it. */
export interface WindowSpec {
  readonly startMs: number;
  readonly durationMs: number;
  /** Comments per page (the server's default when unset). */
  readonly pageLimit?: number;
  /** At most this many comments per second of video, thinned by the server; all when unset. */
  readonly maxRate?: number;
  /** The stream's revision: pages that name the current one are cached for good. */
  readonly revision?: number;
}

/** One page of a window, and the token of the next (null: the window is done). */
export interface WindowPage {
  readonly comments: WireComment[];
  readonly next: string | null;
}

/** Reads one page of a window: the first without `token`, the next with the previous page's. */
export async function getWindowPage(api: ApiOptions, streamId: string, window: WindowSpec, token: string | null, signal?: AbortSignal): Promise<WindowPage> {
  const query = new URLSearchParams({ start_time: (window.startMs / 1000).toFixed(3), duration: (window.durationMs / 1000).toFixed(3) });
  if (window.pageLimit !== undefined) query.set("limit", String(window.pageLimit));
  if (window.maxRate !== undefined) query.set("max_rate", String(window.maxRate));
  if (window.revision !== undefined) query.set("rev", String(window.revision));
  if (token) query.set("pagination_token", token);
  const body = await requestJson<{ comments: WireComment[]; next_pagination_token: string | null }>(
    api,
    streamPath(streamId, `/comments?${query}`),
    signal ? { signal } : {},
  );
  return { comments: body.comments, next: body.next_pagination_token };
}

/**
 * Reads every comment of a window, following pages. A window of more than 200 pages is refused
 * with `window_too_large` rather than cut short: ask for it thinned (`maxRate`) or page it with
 * {@link getWindowPage}.
 */
export async function getWindow(api: ApiOptions, streamId: string, window: WindowSpec, signal?: AbortSignal): Promise<WireComment[]> {
  const comments: WireComment[] = [];
  let token: string | null = null;
  for (let page = 0; page < MAX_PAGES_PER_WINDOW; page++) {
    const read: WindowPage = await getWindowPage(api, streamId, { pageLimit: 500, ...window }, token, signal);
    comments.push(...read.comments);
    token = read.next;
    if (!token) return comments;
  }
  throw new LiveCommentsError("window_too_large", `the window holds more than ${MAX_PAGES_PER_WINDOW} pages; ask for it thinned with maxRate`);
}

/** How to read a timeline. */
export interface TimelineOptions {
  /** Bucket width in seconds: 1, 5, 10, 30, 60 or 300; the server picks about 500 buckets when unset. */
  readonly bucketS?: number;
  /** The stream's revision: an ended stream's timeline that names the current one is cached for good. */
  readonly revision?: number;
}

/**
 * Reads how many comments each bucket of the stream's video holds, and the moments where the
 * crowd reacted (`peaks`), in one request whatever the stream's length.
 */
export function getTimeline(api: ApiOptions, streamId: string, options: TimelineOptions = {}, signal?: AbortSignal): Promise<WireTimeline> {
  const query = new URLSearchParams();
  if (options.bucketS !== undefined) query.set("bucket_s", String(options.bucketS));
  if (options.revision !== undefined) query.set("rev", String(options.revision));
  return requestJson(api, streamPath(streamId, `/timeline${query.size > 0 ? `?${query}` : ""}`), signal ? { signal } : {});
}

/** The default fetch, bound so that browsers accept it as a detached function. */
export function defaultFetch(): Fetch {
  if (typeof globalThis.fetch !== "function") throw new LiveCommentsError("unsupported", "this runtime has no fetch; pass one in the options");
  return globalThis.fetch.bind(globalThis);
}
