import { RecentIds } from "./recent-ids.js";
import type { Fetch, WireComment } from "./wire.js";
import { apiUrl, defaultFetch, getStream, getWindow, streamPath } from "./wire.js";

/** One server-sent event as an EventSource hands it over. */
export interface SseMessage {
  readonly data: string;
  readonly lastEventId: string;
}

/** The part of the browser's EventSource the feed uses. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  addEventListener(type: string, listener: (event: SseMessage) => void): void;
  close(): void;
}

/** Where the live connection is: `open` delivers, `reconnecting` waits to resume. */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** Why comments reach `onComments`: live from the stream, or reloaded after a reset. */
export type CommentSource = "live" | "reload";

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** The API's base URL, e.g. `https://comments.example.com` or `""` for the page's origin. */
  readonly baseUrl: string;
  readonly streamId: string;
  /** New comments, each exactly once, in the order received. */
  readonly onComments: (comments: readonly WireComment[], source: CommentSource) => void;
  readonly onStateChange?: (state: ConnectionState) => void;
  /** The stream's viewers across all edges, every few seconds. */
  readonly onViewers?: (count: number) => void;
  /** Comments the server's rate cap left out of a hot stream. */
  readonly onOmitted?: (count: number) => void;
  /** A moderator took a comment down: remove it from the page. It is never delivered again. */
  readonly onDelete?: (commentId: string) => void;
  /** The pinned comment, on open when there is one and whenever it changes; null once unpinned. */
  readonly onPinned?: (comment: WireComment | null) => void;
  /** The stream's slow mode changed: seconds between two comments of one user (0: off). */
  readonly onSlowMode?: (seconds: number) => void;
  /** The stream ended after its last comment: the feed closes itself; show the replay. */
  readonly onEnded?: (endedAt: number) => void;
  /** How many recent comments come first on open (the server's default, 50, when unset; at most 200). */
  readonly history?: number;
  /** A reset or reload that failed; the feed goes on live. */
  readonly onError?: (error: unknown) => void;
  /** Server-side batching window (0 = one event per comment); the server's default when unset. */
  readonly batchMs?: number;
  /** Most comments per second this viewer wants; the server samples above it. */
  readonly maxRate?: number;
  /** A token identifying the viewer, so its own comments are always delivered. */
  readonly accessToken?: string;
  /** How far back a reset reloads from the playback API (default 120 s). */
  readonly reloadWindowMs?: number;
  /** Comment ids remembered to drop duplicates (default 10,000). */
  readonly rememberIds?: number;
  readonly eventSource?: (url: string) => EventSourceLike;
  readonly fetch?: Fetch;
}

/** EventSource.CLOSED: the browser gave up and will not reconnect by itself. */
const CLOSED = 2;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * A stream's live comments over Server-Sent Events. Wraps EventSource: reads batched and
 * single events (the recent comments on open first), delivers each comment once (by
 * comment_id, across reconnects) and never one a moderator deleted, tells the page of
 * deletions, the pin, slow mode and the stream's end (closing itself then), resumes with
 * Last-Event-ID (the browser's own reconnects send it; when the browser gives up, the feed
 * reconnects itself with `last_event_id`), and on `reset` reloads the recent window from the
 * playback API so a gap the live path cannot fill is filled from the archive.
 */
export class LiveFeed {
  private source: EventSourceLike | undefined;
  private currentState: ConnectionState = "connecting";
  private lastSeq: number | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly seen: RecentIds;
  /** Comments a moderator took down: never delivered, even if a reload brings them. */
  private readonly deleted: RecentIds;
  private readonly fetcher: Fetch;
  private closed = false;

  constructor(private readonly options: LiveFeedOptions) {
    this.seen = new RecentIds(options.rememberIds ?? 10_000);
    this.deleted = new RecentIds(options.rememberIds ?? 10_000);
    this.fetcher = options.fetch ?? defaultFetch();
    this.open();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The seq of the last comment received: where a resume starts. */
  get cursor(): number | undefined {
    return this.lastSeq;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = undefined;
    this.setState("closed");
  }

  private open(): void {
    const { baseUrl, streamId, batchMs, maxRate, accessToken, history } = this.options;
    const query = new URLSearchParams();
    if (batchMs !== undefined) query.set("batch_ms", String(batchMs));
    if (history !== undefined) query.set("history", String(history));
    if (maxRate !== undefined) query.set("max_rate", String(maxRate));
    if (accessToken !== undefined) query.set("access_token", accessToken);
    if (this.lastSeq !== undefined) query.set("last_event_id", String(this.lastSeq));
    const url = apiUrl(baseUrl, streamPath(streamId, `/comments/subscribe${query.size > 0 ? `?${query}` : ""}`));
    const source = (this.options.eventSource ?? defaultEventSource)(url);
    this.source = source;
    source.onopen = () => {
      this.retryMs = FIRST_RETRY_MS;
      this.setState("open");
    };
    source.onerror = () => {
      if (this.closed || this.source !== source) return;
      this.setState("reconnecting");
      if (source.readyState === CLOSED) this.reopenLater();
    };
    source.addEventListener("comments", (event) => this.receive(parseList(event.data), event.lastEventId));
    source.addEventListener("new_comment", (event) => this.receive([JSON.parse(event.data) as WireComment], event.lastEventId));
    source.addEventListener("omitted", (event) => {
      this.moveCursor(event.lastEventId);
      this.options.onOmitted?.((JSON.parse(event.data) as { count: number }).count);
    });
    source.addEventListener("viewers", (event) => this.options.onViewers?.((JSON.parse(event.data) as { count: number }).count));
    source.addEventListener("reset", () => void this.reload());
    source.addEventListener("delete_comment", (event) => {
      this.moveCursor(event.lastEventId);
      const { comment_id: commentId } = JSON.parse(event.data) as { comment_id: string };
      this.deleted.add(commentId);
      this.options.onDelete?.(commentId);
    });
    source.addEventListener("pinned_comment", (event) => {
      this.moveCursor(event.lastEventId);
      const pinned = JSON.parse(event.data) as WireComment | null;
      this.options.onPinned?.(pinned && !this.deleted.has(pinned.comment_id) ? pinned : null);
    });
    source.addEventListener("slow_mode", (event) => {
      this.moveCursor(event.lastEventId);
      this.options.onSlowMode?.((JSON.parse(event.data) as { slow_mode_s: number }).slow_mode_s);
    });
    source.addEventListener("stream_ended", (event) => {
      const { ended_at: endedAt } = JSON.parse(event.data) as { ended_at: number };
      this.close();
      this.options.onEnded?.(endedAt);
    });
  }

  /** The browser gave up (an HTTP error answer): try again with backoff, from the cursor. */
  private reopenLater(): void {
    this.source?.close();
    this.source = undefined;
    const delay = this.retryMs * (0.5 + Math.random() / 2);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      if (!this.closed) this.open();
    }, delay);
  }

  private receive(comments: readonly WireComment[], lastEventId: string): void {
    const fresh = comments.filter((comment) => !this.deleted.has(comment.comment_id) && this.seen.add(comment.comment_id));
    for (const comment of fresh) if (this.lastSeq === undefined || comment.seq > this.lastSeq) this.lastSeq = comment.seq;
    this.moveCursor(lastEventId);
    if (fresh.length > 0) this.options.onComments(fresh, "live");
  }

  private moveCursor(lastEventId: string): void {
    const seq = Number(lastEventId);
    if (lastEventId !== "" && Number.isSafeInteger(seq) && (this.lastSeq === undefined || seq > this.lastSeq)) this.lastSeq = seq;
  }

  /** After a reset: the recent window from the archive, minus what was already delivered. */
  private async reload(): Promise<void> {
    const { baseUrl, streamId } = this.options;
    try {
      const stream = await getStream(this.fetcher, baseUrl, streamId);
      const reloadMs = this.options.reloadWindowMs ?? 120_000;
      const nowOffset = Math.max(0, Date.now() - stream.started_at);
      const startMs = Math.max(0, nowOffset - reloadMs);
      const { maxRate } = this.options;
      const comments = await getWindow(this.fetcher, baseUrl, streamId, {
        startMs,
        durationMs: nowOffset - startMs + 60_000,
        ...(maxRate === undefined ? {} : { maxRate }),
      });
      const fresh = comments.filter((comment) => !this.deleted.has(comment.comment_id) && this.seen.add(comment.comment_id)).sort((a, b) => a.seq - b.seq);
      if (fresh.length > 0 && !this.closed) this.options.onComments(fresh, "reload");
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.options.onStateChange?.(state);
  }
}

function parseList(data: string): WireComment[] {
  const value: unknown = JSON.parse(data);
  return Array.isArray(value) ? (value as WireComment[]) : [];
}

function defaultEventSource(url: string): EventSourceLike {
  const EventSourceClass = (globalThis as { EventSource?: new (url: string) => EventSourceLike }).EventSource;
  if (!EventSourceClass) throw new Error("this runtime has no EventSource; pass one in the options");
  return new EventSourceClass(url);
}
