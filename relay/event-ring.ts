import type { Comment } from "../core/comment.js";
import type { LogEvent } from "../core/log-event.js";

/** Bytes an event is counted as beyond its text: ids, names and object overhead. */
const EVENT_OVERHEAD_BYTES = 200;

/** Approximate memory an event holds, for byte limits. */
export function approximateEventBytes(event: LogEvent): number {
  if (event.kind === "comment") return approximateCommentBytes(event.comment);
  if (event.kind === "pin" && event.comment) return EVENT_OVERHEAD_BYTES + approximateCommentBytes(event.comment);
  if (event.kind === "held") return EVENT_OVERHEAD_BYTES + approximateCommentBytes(event.record);
  return EVENT_OVERHEAD_BYTES;
}

/** Approximate memory a comment holds. */
function approximateCommentBytes(comment: Omit<Comment, "seq">): number {
  return EVENT_OVERHEAD_BYTES + 2 * (comment.text.length + comment.username.length + comment.userId.length);
}

/**
 * The recent events of one stream, in seq order, bounded by count and bytes: pushing past
 * either limit drops the oldest. Everything from the oldest kept event on is contiguous, because
 * every event of the stream passes through `push`. A comment already held (the same comment_id
 * at another seq: a second copy in the log) is not held twice, and a comment a later deletion
 * took down is never read out again.
 */
export class StreamEventRing {
  private items: (LogEvent | undefined)[];
  private head = 0;
  private length = 0;
  private byteSize = 0;
  private dropped: number | undefined;
  private through: number | undefined;
  /** The comments held, by comment_id. */
  private readonly commentIds = new Set<string>();
  /** Held comments a deletion took down. */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {
    this.items = new Array<LogEvent | undefined>(Math.min(maxCount, 64));
  }

  get size(): number {
    return this.length;
  }

  get bytes(): number {
    return this.byteSize;
  }

  /** The oldest seq held, or undefined when empty. */
  get oldestSeq(): number | undefined {
    return this.length === 0 ? undefined : this.at(0).seq;
  }

  /** The newest seq the ring dropped to stay within its limits, or undefined if none. */
  get droppedThrough(): number | undefined {
    return this.dropped;
  }

  /** The newest seq that passed through the ring (held, or a second copy left out). */
  get newestSeq(): number | undefined {
    return this.through;
  }

  /**
   * Adds the newest event. Events at or below the newest seq (redelivered) and second copies of
   * a held comment are left out: false.
   */
  push(event: LogEvent): boolean {
    if (this.through !== undefined && event.seq <= this.through) return false;
    this.through = event.seq;
    if (event.kind === "comment") {
      if (this.commentIds.has(event.comment.commentId)) return false;
      this.commentIds.add(event.comment.commentId);
    } else if (event.kind === "deletion" && this.commentIds.has(event.commentId)) {
      this.deleted.add(event.commentId);
    }
    if (this.length === this.items.length && this.length < this.maxCount) this.grow();
    if (this.length === this.maxCount) this.dropOldest();
    this.items[(this.head + this.length) % this.items.length] = event;
    this.length++;
    this.byteSize += approximateEventBytes(event);
    while (this.byteSize > this.maxBytes && this.length > 1) this.dropOldest();
    return true;
  }

  /** Whether the ring holds this comment (deleted or not). */
  holds(commentId: string): boolean {
    return this.commentIds.has(commentId);
  }

  /**
   * The events with seq > afterSeq, if the ring covers that range (afterSeq is at or after the
   * oldest held seq); undefined when events after afterSeq may be missing.
   */
  after(afterSeq: number): LogEvent[] | undefined {
    const oldest = this.oldestSeq;
    if (oldest === undefined || afterSeq < oldest) return undefined;
    return this.newerThan(afterSeq);
  }

  /** Every event held with seq > afterSeq, whether or not the ring covers the range before. */
  newerThan(afterSeq: number): LogEvent[] {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at(mid).seq <= afterSeq) low = mid + 1;
      else high = mid;
    }
    const result: LogEvent[] = [];
    for (let i = low; i < this.length; i++) {
      const event = this.at(i);
      if (event.kind !== "comment" || !this.deleted.has(event.comment.commentId)) result.push(event);
    }
    return result;
  }

  /** Up to `count` of the most recent comments held that no deletion took down, oldest first. */
  recentComments(count: number): Comment[] {
    const result: Comment[] = [];
    for (let i = this.length - 1; i >= 0 && result.length < count; i--) {
      const event = this.at(i);
      if (event.kind === "comment" && !this.deleted.has(event.comment.commentId)) result.push(event.comment);
    }
    return result.reverse();
  }

  private at(index: number): LogEvent {
    return this.items[(this.head + index) % this.items.length]!;
  }

  private dropOldest(): void {
    const oldest = this.items[this.head]!;
    this.dropped = oldest.seq;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.length--;
    this.byteSize -= approximateEventBytes(oldest);
    if (oldest.kind === "comment") {
      this.commentIds.delete(oldest.comment.commentId);
      this.deleted.delete(oldest.comment.commentId);
    }
  }

  private grow(): void {
    const next = new Array<LogEvent | undefined>(Math.min(this.maxCount, this.items.length * 2));
    for (let i = 0; i < this.length; i++) next[i] = this.at(i);
    this.items = next;
    this.head = 0;
  }
}
