import type { Fetch, WireComment } from "./wire.js";
import { defaultFetch, getWindow } from "./wire.js";

/** The part of an HTMLMediaElement the sync reads: its clock and its play, pause and seek events. */
export interface PlayerLike {
  /** Seconds from the start of the video, which is the stream's offset 0. */
  readonly currentTime: number;
  readonly paused: boolean;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Options of {@link PlaybackSync}. */
export interface PlaybackSyncOptions {
  readonly baseUrl: string;
  readonly streamId: string;
  readonly player: PlayerLike;
  /** Comments whose offset the player's clock has just reached, in order. */
  readonly onComments: (comments: readonly WireComment[]) => void;
  /** The player jumped: what was shown no longer matches the video. */
  readonly onClear?: () => void;
  readonly onError?: (error: unknown) => void;
  /** Width of the aligned windows fetched from the playback API (default 3 minutes). */
  readonly windowMs?: number;
  /** How long before the current window runs out the next one is fetched (default 30 s). */
  readonly prefetchMs?: number;
  /**
   * After a start or a seek, comments from this long before the new position are shown at
   * once, so the view is never empty mid-conversation (default 30 s, at most one window; 0 shows
   * only what follows).
   */
  readonly backfillMs?: number;
  /** How often the clock is read while playing (default 100 ms); timeupdate events read it too. */
  readonly tickMs?: number;
  /** Comments per page of the playback API (default 500). */
  readonly pageLimit?: number;
  readonly fetch?: Fetch;
}

interface Window {
  readonly controller: AbortController;
  state: "loading" | "ready" | "failed";
  comments: readonly WireComment[];
  retryAt: number;
}

/** Pause before a window whose fetch failed is asked for again. */
const RETRY_MS = 2_000;

/**
 * Shows a replay's comments in step with a video player. Windows of the stream's timeline,
 * aligned to `windowMs`, are fetched just in time and the next one before the current one runs
 * out; a comment is handed to `onComments` when the player's clock reaches its offset. Pausing
 * stops the clock; a seek drops the buffer, cancels fetches in flight, clears the view and loads
 * the window at the new position. At most three windows are held: previous, current and next.
 */
export class PlaybackSync {
  private readonly windows = new Map<number, Window>();
  private readonly windowMs: number;
  private readonly fetcher: Fetch;
  /** Everything with an offset up to here has been shown (or skipped by a seek). */
  private shownThroughMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: [string, () => void][];
  private stopped = false;

  constructor(private readonly options: PlaybackSyncOptions) {
    this.windowMs = options.windowMs ?? 180_000;
    this.fetcher = options.fetch ?? defaultFetch();
    this.shownThroughMs = this.backfillStart();
    this.listeners = [
      ["seeking", () => this.jump()],
      ["seeked", () => this.tick()],
      ["timeupdate", () => this.tick()],
      ["play", () => this.run()],
      ["playing", () => this.run()],
      ["pause", () => this.tick()],
    ];
    for (const [type, listener] of this.listeners) options.player.addEventListener(type, listener);
    this.tick();
    this.run();
  }

  /** Detaches from the player and cancels every fetch. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const [type, listener] of this.listeners) this.options.player.removeEventListener(type, listener);
    this.dropWindows();
  }

  /** Where the player's clock is, in milliseconds of the stream's timeline. */
  private positionMs(): number {
    return Math.max(0, Math.floor(this.options.player.currentTime * 1000));
  }

  /** Just before the earliest offset shown at once after a jump; never more than a window back. */
  private backfillStart(): number {
    return this.positionMs() - Math.min(this.options.backfillMs ?? 30_000, this.windowMs) - 1;
  }

  private jump(): void {
    this.dropWindows();
    this.options.onClear?.();
    this.shownThroughMs = this.backfillStart();
    this.tick();
  }

  /** Reads the clock while the player plays; stops by itself on pause. */
  private run(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.options.player.paused) return;
    this.timer = setTimeout(() => {
      this.tick();
      this.run();
    }, this.options.tickMs ?? 100);
  }

  /** Shows what is due: every comment after `shownThroughMs` up to the clock, window by window. */
  private tick(): void {
    if (this.stopped) return;
    const now = this.positionMs();
    // The clock went back without a seek event (a loop, a reload): treat it as a seek.
    if (now < this.shownThroughMs) return this.jump();
    // The clock ran far ahead between two reads (a stalled tab): skip rather than flood the view.
    if (now - this.shownThroughMs > this.windowMs + 1) this.shownThroughMs = this.backfillStart();
    const first = Math.floor(Math.max(0, this.shownThroughMs + 1) / this.windowMs);
    const current = Math.floor(now / this.windowMs);
    const due: WireComment[] = [];
    let reached = now;
    for (let index = first; index <= current; index++) {
      const window = this.load(index);
      if (window.state !== "ready") {
        // Nothing past this window's start can be shown until it is here.
        reached = Math.min(now, index * this.windowMs - 1);
        break;
      }
      for (const comment of window.comments) {
        if (comment.offset_ms > this.shownThroughMs && comment.offset_ms <= reached) due.push(comment);
      }
    }
    this.shownThroughMs = Math.max(this.shownThroughMs, reached);
    if ((current + 1) * this.windowMs - now <= (this.options.prefetchMs ?? 30_000)) this.load(current + 1);
    for (const [index, window] of this.windows) {
      if (index < current - 1 || index > current + 1) {
        window.controller.abort();
        this.windows.delete(index);
      }
    }
    if (due.length > 0) this.options.onComments(due);
  }

  /** The window at `index`, fetching it when it is missing or its last fetch failed long enough ago. */
  private load(index: number): Window {
    const known = this.windows.get(index);
    if (known && (known.state !== "failed" || Date.now() < known.retryAt)) return known;
    const window: Window = { controller: new AbortController(), state: "loading", comments: [], retryAt: 0 };
    this.windows.set(index, window);
    getWindow(
      this.fetcher,
      this.options.baseUrl,
      this.options.streamId,
      { startMs: index * this.windowMs, durationMs: this.windowMs, pageLimit: this.options.pageLimit ?? 500 },
      window.controller.signal,
    ).then(
      (comments) => {
        if (this.windows.get(index) !== window) return;
        window.comments = comments.sort((a, b) => a.offset_ms - b.offset_ms || a.seq - b.seq);
        window.state = "ready";
        this.tick();
      },
      (error: unknown) => {
        if (this.windows.get(index) !== window || window.controller.signal.aborted) return;
        window.state = "failed";
        window.retryAt = Date.now() + RETRY_MS;
        this.options.onError?.(error);
      },
    );
    return window;
  }

  private dropWindows(): void {
    for (const window of this.windows.values()) window.controller.abort();
    this.windows.clear();
  }
}
