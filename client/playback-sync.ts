import type { ApiOptions, WireComment } from "./wire.js";
import { defaultFetch, getStream, getWindowPage } from "./wire.js";

/** The part of an HTMLMediaElement the sync reads: its clock and its play, pause and seek events. */
export interface PlayerLike {
  /** Seconds from the start of the video, which is the stream's offset 0; {@link PlaybackSync.seek} sets it. */
  currentTime: number;
  readonly paused: boolean;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** Options of {@link PlaybackSync}; a `token` is sent with every read, for an API behind a gateway that asks for one. */
export interface PlaybackSyncOptions extends ApiOptions {
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
  /**
   * At most this many comments per second of video (default 50, what a live viewer is shown by
   * default); the server thins hotter seconds to an evenly spread sample. 0 asks for all.
   */
  readonly maxRate?: number;
  /** The stream's revision (`GET /v1/streams/{id}`): pages that name it are cached for good. */
  readonly revision?: number;
  /**
   * How often the stream's revision is read again (default 30 s; 0: never): a comment deleted
   * after the stream ended leaves the replay within this long.
   */
  readonly revisionPollMs?: number;
}

interface Window {
  readonly controller: AbortController;
  /** Fetched and not yet shown, in replay order. */
  comments: WireComment[];
  /** Every comment with an offset up to here is fetched: the pages read so far cover it. */
  completeThroughMs: number;
  /** The next page's token: "" before the first page, null once the last page is read. */
  next: string | null;
  fetching: boolean;
  /** When a failed page may be asked for again; 0 when none failed. */
  retryAt: number;
}

/** Pause before a window whose fetch failed is asked for again. */
const RETRY_MS = 2_000;

/**
 * Shows a replay's comments in step with a video player. Windows of the stream's timeline,
 * aligned to `windowMs`, are read page by page just in time: a window's first page is shown as
 * soon as it arrives, its next pages are fetched as the clock approaches the end of what is
 * read, and the next window before the current one runs out; nothing of a window is ever
 * skipped (a page that fails is asked for again, and reported). A comment is handed to
 * `onComments` when the player's clock reaches its offset and then forgotten. Pausing stops the
 * clock; a seek drops the buffer, cancels fetches in flight, clears the view and loads the
 * window at the new position. At most three windows are held: previous, current and next. Hot
 * streams are thinned by the server (`maxRate`), so memory stays bounded by the rate, not by
 * the stream.
 */
export class PlaybackSync {
  private readonly windows = new Map<number, Window>();
  private readonly windowMs: number;
  private readonly api: ApiOptions;
  /** Everything with an offset up to here has been shown (or skipped by a seek). */
  private shownThroughMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: [string, () => void][];
  private stopped = false;
  private revision: number | undefined;
  private revisionTimer: ReturnType<typeof setInterval> | undefined;
  /** {@link seek} moved the player, and the player's own seek events for it have not passed yet. */
  private seekingItself = false;

  constructor(private readonly options: PlaybackSyncOptions) {
    this.windowMs = options.windowMs ?? 180_000;
    this.api = { ...options, fetch: options.fetch ?? defaultFetch() };
    this.shownThroughMs = this.backfillStart();
    this.listeners = [
      ["seeking", () => (this.seekingItself ? this.tick() : this.jump())],
      [
        "seeked",
        () => {
          this.seekingItself = false;
          this.tick();
        },
      ],
      ["timeupdate", () => this.tick()],
      ["play", () => this.run()],
      ["playing", () => this.run()],
      ["pause", () => this.tick()],
    ];
    for (const [type, listener] of this.listeners) options.player.addEventListener(type, listener);
    this.revision = options.revision;
    const pollMs = options.revisionPollMs ?? 30_000;
    if (pollMs > 0) this.revisionTimer = setInterval(() => void this.readRevision(), pollMs);
    this.tick();
    this.run();
  }

  /** A new revision (a deletion after the end): the view is rebuilt from the revised pages. */
  private async readRevision(): Promise<void> {
    try {
      const stream = await getStream(this.api, this.options.streamId);
      const revision = stream.revision;
      if (this.stopped || revision === (this.revision ?? 0)) return;
      this.revision = revision;
      this.jump();
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  /**
   * Moves the player to `offsetMs` of the stream and shows the comments of that moment: the
   * window holding it is the first thing read, and the backfill stays within it, so a jump to
   * the third hour (a click on the timeline) reads nothing before the moment it lands on.
   */
  seek(offsetMs: number): void {
    if (this.stopped || !Number.isFinite(offsetMs)) return;
    const target = Math.max(0, Math.floor(offsetMs));
    this.seekingItself = true;
    this.options.player.currentTime = target / 1000;
    this.jump(Math.floor(target / this.windowMs) * this.windowMs - 1);
  }

  /** Detaches from the player and cancels every fetch. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.revisionTimer);
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

  /** Starts again from the player's position, showing nothing at or before `floorMs`. */
  private jump(floorMs = -1): void {
    this.dropWindows();
    this.options.onClear?.();
    this.shownThroughMs = Math.max(this.backfillStart(), floorMs);
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
    const prefetchMs = this.options.prefetchMs ?? 30_000;
    const due: WireComment[] = [];
    let reached = now;
    for (let index = first; index <= current; index++) {
      const window = this.load(index);
      const through = Math.min(now, window.completeThroughMs);
      let taken = 0;
      while (taken < window.comments.length && window.comments[taken]!.offset_ms <= through) {
        const comment = window.comments[taken++]!;
        if (comment.offset_ms > this.shownThroughMs) due.push(comment);
      }
      if (taken > 0) window.comments = window.comments.slice(taken);
      if (window.next !== null && window.completeThroughMs - now <= prefetchMs) this.fetchPage(index, window);
      if (through < Math.min(now, (index + 1) * this.windowMs - 1)) {
        // Nothing past what this window has read can be shown until its next page is here.
        reached = through;
        break;
      }
    }
    this.shownThroughMs = Math.max(this.shownThroughMs, reached);
    if ((current + 1) * this.windowMs - now <= prefetchMs) this.load(current + 1);
    for (const [index, window] of this.windows) {
      if (index < current - 1 || index > current + 1) {
        window.controller.abort();
        this.windows.delete(index);
      }
    }
    if (due.length > 0) this.options.onComments(due);
  }

  /** The window at `index`, asking for its first page when it is new. */
  private load(index: number): Window {
    const known = this.windows.get(index);
    if (known) return known;
    const window: Window = {
      controller: new AbortController(),
      comments: [],
      completeThroughMs: index * this.windowMs - 1,
      next: "",
      fetching: false,
      retryAt: 0,
    };
    this.windows.set(index, window);
    this.fetchPage(index, window);
    return window;
  }

  /** Asks for a window's next page, unless one is on its way or a failed one must wait. */
  private fetchPage(index: number, window: Window): void {
    if (window.fetching || window.next === null || Date.now() < window.retryAt) return;
    window.fetching = true;
    const maxRate = this.options.maxRate ?? 50;
    const revision = this.revision;
    const windowEndMs = (index + 1) * this.windowMs - 1;
    getWindowPage(
      this.api,
      this.options.streamId,
      {
        startMs: index * this.windowMs,
        durationMs: this.windowMs,
        pageLimit: this.options.pageLimit ?? 500,
        ...(maxRate > 0 ? { maxRate } : {}),
        ...(revision === undefined ? {} : { revision }),
      },
      window.next || null,
      window.controller.signal,
    ).then(
      (page) => {
        if (this.windows.get(index) !== window) return;
        window.fetching = false;
        window.retryAt = 0;
        const sorted = page.comments.sort((a, b) => a.offset_ms - b.offset_ms || a.seq - b.seq);
        window.comments = window.comments.concat(sorted);
        window.next = page.next;
        // The next page may hold more comments at this page's last offset.
        const last = sorted[sorted.length - 1];
        window.completeThroughMs = page.next === null ? windowEndMs : Math.max(window.completeThroughMs, last ? last.offset_ms - 1 : window.completeThroughMs);
        this.tick();
      },
      (error: unknown) => {
        if (this.windows.get(index) !== window || window.controller.signal.aborted) return;
        window.fetching = false;
        window.retryAt = Date.now() + RETRY_MS;
        this.options.onError?.(error);
        setTimeout(() => this.tick(), RETRY_MS);
      },
    );
  }

  private dropWindows(): void {
    for (const window of this.windows.values()) window.controller.abort();
    this.windows.clear();
  }
}
