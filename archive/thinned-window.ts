import type { Comment } from "../core/comment.js";
import { evenSample } from "../core/even-sample.js";
import type { ArchiveStore, WindowCursor, WindowQuery } from "../ports/archive-store/index.js";

/** Rows read from the store at a time while thinning. */
const SCAN_CHUNK = 2_000;
/**
 * Most rows one thinned page reads. A second holding more than this (far past the seed's peak of
 * 5,000 comments/s on one stream) is sampled from its first rows and the rest of it is skipped.
 */
export const MAX_SCANNED_ROWS = 50_000;

/** One thinned page: the kept comments and where the next page starts (null: the window is done). */
export interface ThinnedPage {
  readonly comments: Comment[];
  readonly next: WindowCursor | null;
}

const secondOf = (comment: Comment) => Math.floor(comment.offsetMs / 1000);
const cursorOf = (comment: Comment): WindowCursor => ({ offsetMs: comment.offsetMs, seq: comment.seq });

/**
 * Reads a page of a window keeping at most `maxRate` comments per second of video, an evenly
 * spread sample of each second (the rule of the live rate cap). Pages hold whole seconds, so a
 * page's content depends only on the window, its cursor, `limit` and `maxRate`: it can be cached.
 */
export async function readThinnedPage(
  store: Pick<ArchiveStore, "window">,
  window: Omit<WindowQuery, "after" | "limit">,
  after: WindowCursor | undefined,
  limit: number,
  maxRate: number,
): Promise<ThinnedPage> {
  const kept: Comment[] = [];
  let cursor = after;
  let scanned = 0;
  /** The rows of a second whose end has not been read yet. */
  let open: Comment[] = [];
  for (;;) {
    const rows = await store.window({ ...window, limit: SCAN_CHUNK, ...(cursor ? { after: cursor } : {}) });
    scanned += rows.length;
    const exhausted = rows.length < SCAN_CHUNK;
    if (rows.length > 0) cursor = cursorOf(rows[rows.length - 1]!);
    const pending = open.concat(rows);
    open = [];
    let start = 0;
    while (start < pending.length) {
      const second = secondOf(pending[start]!);
      let end = start;
      while (end < pending.length && secondOf(pending[end]!) === second) end++;
      if (end === pending.length && !exhausted) {
        open = pending.slice(start);
        break;
      }
      kept.push(...evenSample(pending.slice(start, end), maxRate).kept);
      start = end;
      const more = start < pending.length || !exhausted;
      if (kept.length >= limit) return { comments: kept, next: more ? cursorOf(pending[start - 1]!) : null };
    }
    if (exhausted && open.length === 0) return { comments: kept, next: null };
    if (open.length >= MAX_SCANNED_ROWS) {
      // One enormous second: sample what was read, skip the rest of it.
      const second = secondOf(open[0]!);
      kept.push(...evenSample(open, maxRate).kept);
      open = [];
      cursor = { offsetMs: second * 1000 + 999, seq: Number.MAX_SAFE_INTEGER };
      if (kept.length >= limit) return { comments: kept, next: cursor };
    } else if (scanned >= MAX_SCANNED_ROWS && kept.length > 0) {
      // The next page starts with the second still open.
      const last = kept[kept.length - 1]!;
      return { comments: kept, next: { offsetMs: secondOf(last) * 1000 + 999, seq: Number.MAX_SAFE_INTEGER } };
    }
  }
}
