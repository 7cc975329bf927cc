/** A comment as the HTTP API sends it (SSE events and playback pages). */
export interface WireComment {
  readonly comment_id: string;
  readonly stream_id: string;
  readonly user_id: string;
  readonly username: string;
  readonly text: string;
  readonly server_ts: number;
  readonly offset_ms: number;
  readonly seq: number;
}

/** A stream as `GET /v1/streams/{id}` answers it. */
export interface WireStream {
  readonly stream_id: string;
  readonly title?: string;
  readonly started_at: number;
  /** When the stream ended; null (or absent) while it runs. */
  readonly ended_at?: number | null;
  readonly comment_count?: number;
  /** The pinned comment, or null. */
  readonly pinned?: WireComment | null;
  readonly slow_mode_s?: number;
  /** When replays last changed (a deletion), ms since the epoch; 0: never. Replay windows are addressed by it. */
  readonly revision?: number;
}

/** The fetch the SDK calls: the browser's by default, injectable for tests and other runtimes. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

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

/** Reads a stream's description. */
export async function getStream(fetcher: Fetch, baseUrl: string, streamId: string, signal?: AbortSignal): Promise<WireStream> {
  const response = await fetcher(apiUrl(baseUrl, streamPath(streamId)), signal ? { signal } : {});
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as WireStream;
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
export async function getWindowPage(
  fetcher: Fetch,
  baseUrl: string,
  streamId: string,
  window: WindowSpec,
  token: string | null,
  signal?: AbortSignal,
): Promise<WindowPage> {
  const query = new URLSearchParams({ start_time: (window.startMs / 1000).toFixed(3), duration: (window.durationMs / 1000).toFixed(3) });
  if (window.pageLimit !== undefined) query.set("limit", String(window.pageLimit));
  if (window.maxRate !== undefined) query.set("max_rate", String(window.maxRate));
  if (window.revision !== undefined) query.set("rev", String(window.revision));
  if (token) query.set("pagination_token", token);
  const response = await fetcher(apiUrl(baseUrl, streamPath(streamId, `/comments?${query}`)), signal ? { signal } : {});
  if (!response.ok) throw await errorFromResponse(response);
  const body = (await response.json()) as { comments: WireComment[]; next_pagination_token: string | null };
  return { comments: body.comments, next: body.next_pagination_token };
}

/**
 * Reads every comment of a window, following pages. A window of more than 200 pages is refused
 * with `window_too_large` rather than cut short: ask for it thinned (`maxRate`) or page it with
 * {@link getWindowPage}.
 */
export async function getWindow(fetcher: Fetch, baseUrl: string, streamId: string, window: WindowSpec, signal?: AbortSignal): Promise<WireComment[]> {
  const comments: WireComment[] = [];
  let token: string | null = null;
  for (let page = 0; page < MAX_PAGES_PER_WINDOW; page++) {
    const read: WindowPage = await getWindowPage(fetcher, baseUrl, streamId, { pageLimit: 500, ...window }, token, signal);
    comments.push(...read.comments);
    token = read.next;
    if (!token) return comments;
  }
  throw new LiveCommentsError("window_too_large", `the window holds more than ${MAX_PAGES_PER_WINDOW} pages; ask for it thinned with maxRate`);
}

/** The default fetch, bound so that browsers accept it as a detached function. */
export function defaultFetch(): Fetch {
  if (typeof globalThis.fetch !== "function") throw new LiveCommentsError("unsupported", "this runtime has no fetch; pass one in the options");
  return globalThis.fetch.bind(globalThis);
}
