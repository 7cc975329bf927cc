import { RecentIds } from "./shared/recent-ids.js";
import type { ApiOptions, WireComment } from "./wire.js";
import { apiUrl, currentToken, defaultFetch, getStream, getWindow, streamPath } from "./wire.js";

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

/**
 * Where the live connection is: `open` delivers, `reconnecting` waits to resume, `paused` has
 * let go of the connection while the page is hidden (see `pauseWhenHidden`).
 */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "paused" | "closed";

/** The part of the browser's `document` that tells whether the page is shown. */
export interface VisibilityLike {
  readonly visibilityState: string;
  addEventListener(type: "visibilitychange", listener: () => void): void;
  removeEventListener(type: "visibilitychange", listener: () => void): void;
}

/** Why comments reach `onComments`: live from the stream, or reloaded after a reset. */
export type CommentSource = "live" | "reload";

/**
 * Options of {@link LiveFeed}. A `token` identifies the viewer, so its own comments are always
 * delivered to it; it travels in the URL (EventSource sends no headers), and a function is
 * asked for a current one before every connect. With `credentials: "include"` the `lc_token`
 * cookie identifies the viewer instead and no token is put in the URL.
 */
export interface LiveFeedOptions extends ApiOptions {
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
  /**
   * Once the page has been hidden this long (ms), the feed closes its connection (state
   * `paused`); when the page is shown again it resumes from its cursor, nothing missed. Unset:
   * the feed stays connected while hidden.
   */
  readonly pauseWhenHidden?: number;
  /** Tells whether the page is shown: the browser's `document` by default. */
  readonly visibility?: VisibilityLike;
  /** How far back a reset reloads from the playback API (default 120 s). */
  readonly reloadWindowMs?: number;
  /** Comment ids remembered to drop duplicates (default 10,000). */
  readonly rememberIds?: number;
  readonly eventSource?: (url: string, init: { withCredentials: boolean }) => EventSourceLike;
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
 * playback API so a gap the live path cannot fill is filled from the archive. A token from a
 * function is asked for again before every connect, the feed's own reconnects included.
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
  private readonly api: ApiOptions;
  private closed = false;
  /** Counts connects, so a connect still waiting for its token knows when it was overtaken. */
  private connects = 0;
  private readonly visibility: VisibilityLike | undefined;
  private hiddenTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: LiveFeedOptions) {
    this.seen = new RecentIds(options.rememberIds ?? 10_000);
    this.deleted = new RecentIds(options.rememberIds ?? 10_000);
    this.api = { ...options, fetch: options.fetch ?? defaultFetch() };
    if (options.pauseWhenHidden !== undefined) {
      this.visibility = options.visibility ?? (globalThis as { document?: VisibilityLike }).document;
      this.visibility?.addEventListener("visibilitychange", this.onVisibilityChange);
    }
    this.open();
    if (this.visibility?.visibilityState === "hidden") this.onVisibilityChange();
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
    clearTimeout(this.hiddenTimer);
    this.visibility?.removeEventListener("visibilitychange", this.onVisibilityChange);
    this.source?.close();
    this.source = undefined;
    this.setState("closed");
  }

  /** Connects from the cursor: at once with a fixed token, after the function's answer with one. */
  private open(): void {
    const connect = ++this.connects;
    const { token, credentials } = this.options;
    if (credentials === "include") return this.connect(undefined);
    if (typeof token !== "function") return this.connect(token);
    currentToken(token).then(
      (current) => {
        if (connect === this.connects && !this.closed && this.currentState !== "paused") this.connect(current);
      },
      (error: unknown) => {
        this.options.onError?.(error);
        if (connect === this.connects && !this.closed && this.currentState !== "paused") this.reopenLater();
      },
    );
  }

  private connect(token: string | undefined): void {
    const { baseUrl, streamId, batchMs, maxRate, history, credentials } = this.options;
    const query = new URLSearchParams();
    if (batchMs !== undefined) query.set("batch_ms", String(batchMs));
    if (history !== undefined) query.set("history", String(history));
    if (maxRate !== undefined) query.set("max_rate", String(maxRate));
    if (token !== undefined) query.set("access_token", token);
    if (this.lastSeq !== undefined) query.set("last_event_id", String(this.lastSeq));
    const url = apiUrl(baseUrl, streamPath(streamId, `/comments/subscribe${query.size > 0 ? `?${query}` : ""}`));
    const source = (this.options.eventSource ?? defaultEventSource)(url, { withCredentials: credentials === "include" });
    this.source = source;
    source.onopen = () => {
      this.retryMs = FIRST_RETRY_MS;
      this.setState("open");
    };
    source.onerror = () => {
      if (this.closed || this.source !== source) return;
      this.setState("reconnecting");
      // The browser reconnects by itself to the same URL: with a token from a function that URL
      // may hold an expired token, so the feed reconnects itself with a fresh one instead.
      if (source.readyState === CLOSED || (typeof this.options.token === "function" && credentials !== "include")) this.reopenLater();
    };
    // A closed connection's late events are not this feed's any more (a pause, a reconnect).
    const on = (type: string, handle: (event: SseMessage) => void) =>
      source.addEventListener(type, (event) => {
        if (this.source === source) handle(event);
      });
    on("comments", (event) => this.receive(parseList(event.data), event.lastEventId));
    on("new_comment", (event) => this.receive([JSON.parse(event.data) as WireComment], event.lastEventId));
    on("omitted", (event) => {
      this.moveCursor(event.lastEventId);
      this.options.onOmitted?.((JSON.parse(event.data) as { count: number }).count);
    });
    on("viewers", (event) => this.options.onViewers?.((JSON.parse(event.data) as { count: number }).count));
    on("reset", () => void this.reload());
    on("delete_comment", (event) => {
      this.moveCursor(event.lastEventId);
      const { comment_id: commentId } = JSON.parse(event.data) as { comment_id: string };
      this.deleted.add(commentId);
      this.options.onDelete?.(commentId);
    });
    on("pinned_comment", (event) => {
      this.moveCursor(event.lastEventId);
      const pinned = JSON.parse(event.data) as WireComment | null;
      this.options.onPinned?.(pinned && !this.deleted.has(pinned.comment_id) ? pinned : null);
    });
    on("slow_mode", (event) => {
      this.moveCursor(event.lastEventId);
      this.options.onSlowMode?.((JSON.parse(event.data) as { slow_mode_s: number }).slow_mode_s);
    });
    on("stream_ended", (event) => {
      const { ended_at: endedAt } = JSON.parse(event.data) as { ended_at: number };
      this.close();
      this.options.onEnded?.(endedAt);
    });
  }

  /** Pauses once the page has stayed hidden for `pauseWhenHidden`; resumes when it is shown. */
  private readonly onVisibilityChange = (): void => {
    if (this.closed) return;
    if (this.visibility?.visibilityState === "hidden") {
      if (this.hiddenTimer === undefined && this.currentState !== "paused") this.hiddenTimer = setTimeout(() => this.pause(), this.options.pauseWhenHidden);
      return;
    }
    clearTimeout(this.hiddenTimer);
    this.hiddenTimer = undefined;
    if (this.currentState !== "paused") return;
    this.retryMs = FIRST_RETRY_MS;
    this.setState("connecting");
    this.open();
  };

  private pause(): void {
    this.hiddenTimer = undefined;
    if (this.closed) return;
    this.connects++;
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = undefined;
    this.setState("paused");
  }

  /** The browser gave up (an HTTP error answer), or the token must be renewed: try again with backoff, from the cursor. */
  private reopenLater(): void {
    this.source?.close();
    this.source = undefined;
    clearTimeout(this.retryTimer);
    const delay = this.retryMs * (0.5 + Math.random() / 2);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      if (!this.closed && this.currentState !== "paused") this.open();
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
    const { streamId } = this.options;
    try {
      const stream = await getStream(this.api, streamId);
      const reloadMs = this.options.reloadWindowMs ?? 120_000;
      const nowOffset = Math.max(0, Date.now() - stream.started_at);
      const startMs = Math.max(0, nowOffset - reloadMs);
      const { maxRate } = this.options;
      const comments = await getWindow(this.api, streamId, {
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

/** The runtime's EventSource (the browser's), or an error naming what to pass instead. */
export function defaultEventSource(url: string, init: { withCredentials: boolean }): EventSourceLike {
  const EventSourceClass = (globalThis as { EventSource?: new (url: string, init: { withCredentials: boolean }) => EventSourceLike }).EventSource;
  if (!EventSourceClass) throw new Error("this runtime has no EventSource; pass one in the options");
  return new EventSourceClass(url, init);
}
