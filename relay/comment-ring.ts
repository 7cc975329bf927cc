import type { Comment } from "../core/comment.js";

/** Bytes a comment is counted as beyond its text: ids, names and object overhead. */
const COMMENT_OVERHEAD_BYTES = 200;

/** Approximate memory a comment holds, for byte limits. */
export function approximateCommentBytes(comment: Comment): number {
  return COMMENT_OVERHEAD_BYTES + 2 * (comment.text.length + comment.username.length + comment.userId.length);
}

/**
 * The recent comments of one stream, in seq order, bounded by count and bytes: pushing past
 * either limit drops the oldest. Everything from the oldest kept comment on is contiguous,
 * because every comment of the stream passes through `push`.
 */
export class CommentRing {
  private items: (Comment | undefined)[];
  private head = 0;
  private length = 0;
  private byteSize = 0;
  private dropped: number | undefined;

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {
    this.items = new Array<Comment | undefined>(Math.min(maxCount, 64));
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

  /** The newest seq held, or undefined when empty. */
  get newestSeq(): number | undefined {
    return this.length === 0 ? undefined : this.at(this.length - 1).seq;
  }

  /** Adds the newest comment; comments at or below the newest seq are ignored as duplicates. */
  push(comment: Comment): boolean {
    const newest = this.newestSeq;
    if (newest !== undefined && comment.seq <= newest) return false;
    if (this.length === this.items.length && this.length < this.maxCount) this.grow();
    if (this.length === this.maxCount) this.dropOldest();
    this.items[(this.head + this.length) % this.items.length] = comment;
    this.length++;
    this.byteSize += approximateCommentBytes(comment);
    while (this.byteSize > this.maxBytes && this.length > 1) this.dropOldest();
    return true;
  }

  /**
   * The comments with seq > afterSeq, if the ring covers that range (afterSeq is at or after
   * the oldest held seq); undefined when comments after afterSeq may be missing.
   */
  after(afterSeq: number): Comment[] | undefined {
    const oldest = this.oldestSeq;
    if (oldest === undefined || afterSeq < oldest) return undefined;
    return this.newerThan(afterSeq);
  }

  /** Every comment held with seq > afterSeq, whether or not the ring covers the range before. */
  newerThan(afterSeq: number): Comment[] {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at(mid).seq <= afterSeq) low = mid + 1;
      else high = mid;
    }
    const result: Comment[] = [];
    for (let i = low; i < this.length; i++) result.push(this.at(i));
    return result;
  }

  private at(index: number): Comment {
    return this.items[(this.head + index) % this.items.length]!;
  }

  private dropOldest(): void {
    const oldest = this.items[this.head]!;
    this.dropped = oldest.seq;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.length--;
    this.byteSize -= approximateCommentBytes(oldest);
  }

  private grow(): void {
    const next = new Array<Comment | undefined>(Math.min(this.maxCount, this.items.length * 2));
    for (let i = 0; i < this.length; i++) next[i] = this.at(i);
    this.items = next;
    this.head = 0;
  }
}
