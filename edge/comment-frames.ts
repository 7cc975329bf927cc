import type { OperatorFunction, SchedulerLike, Subscription } from "rxjs";
import { Observable, asyncScheduler } from "rxjs";
import type { Comment } from "../core/comment.js";
import type { LogEvent, StreamChange } from "../core/log-event.js";
import { isReviewEvent } from "../core/log-event.js";
import { viewerEventOf } from "../core/viewer-event.js";
import type { RelayEvent } from "../ports/fanout/index.js";
import { RateSampler } from "./rate-sampler.js";
import { formatComments, formatOmitted, formatReset, formatViewerEvent } from "./sse-format.js";

/** Comments as an edge writes them: SSE bytes, serialised once, with what they carry. */
export interface CommentsFrame {
  readonly kind: "comments";
  /** The comments shown (all of the batch, or the rate cap's sample, possibly none). */
  readonly comments: readonly Comment[];
  /** The comments of the batch the rate cap left out (a viewer still sees its own). */
  readonly omitted: readonly Comment[];
  /** The span of seqs the frame accounts for, left-out comments included. */
  readonly firstSeq: number;
  readonly throughSeq: number;
  readonly bytes: Buffer;
  /** The traceparents of the traced posts among its comments (none when tracing is off). */
  readonly traceParents?: readonly string[];
}

/** A change of the stream (a deletion, a pin, a slow-mode change, the end) as SSE bytes. */
export interface ChangeFrame {
  readonly kind: "change";
  readonly change: StreamChange;
  readonly firstSeq: number;
  readonly throughSeq: number;
  readonly bytes: Buffer;
}

/** What an edge writes to viewers. */
export type Frame = CommentsFrame | ChangeFrame | { readonly kind: "reset"; readonly bytes: Buffer };

/** The frame of a change, serialised once for every viewer. */
export function changeFrame(event: LogEvent & StreamChange): ChangeFrame {
  return { kind: "change", change: event, firstSeq: event.seq, throughSeq: event.seq, bytes: Buffer.from(formatViewerEvent(viewerEventOf(event), event.seq)) };
}

/**
 * What of a frame is new to a viewer who has everything through `lastSent`: the frame itself
 * (the shared bytes), a smaller one re-serialised from its newer comments, or nothing.
 */
export function newerPart(frame: Frame, lastSent: number, single: boolean): Frame | undefined {
  if (frame.kind === "reset") return frame;
  if (frame.throughSeq <= lastSent) return undefined;
  if (frame.firstSeq > lastSent || frame.kind === "change") return frame;
  const fresh = frame.comments.filter((c) => c.seq > lastSent);
  const omitted = frame.omitted.filter((c) => c.seq > lastSent);
  return fresh.length > 0 ? commentsFrame(fresh, single, { omitted, throughSeq: frame.throughSeq }) : undefined;
}

/** Most comments in one batch; a fuller window is sent early. */
export const DEFAULT_MAX_BATCH = 500;

/** Encodes comments (and how many the rate cap left out) as one frame. */
export function commentsFrame(
  comments: readonly Comment[],
  single: boolean,
  span: { omitted?: readonly Comment[]; firstSeq?: number; throughSeq?: number; traceParents?: readonly string[] } = {},
): CommentsFrame {
  const omitted = span.omitted ?? [];
  const throughSeq = span.throughSeq ?? comments[comments.length - 1]!.seq;
  let text = comments.length > 0 ? formatComments(comments, single) : "";
  if (omitted.length > 0) text += formatOmitted(omitted.length, throughSeq);
  return {
    kind: "comments",
    comments,
    omitted,
    firstSeq: span.firstSeq ?? comments[0]!.seq,
    throughSeq,
    bytes: Buffer.from(text),
    ...(span.traceParents && span.traceParents.length > 0 ? { traceParents: span.traceParents } : {}),
  };
}

/** The traceparents of a buffer with no traced comment: shared, never written to. */
const NOTHING_TRACED: string[] = [];

/** Options of {@link toFrames}. */
export interface FrameOptions {
  /** Per-viewer cap in comments/s; undefined sends everything. */
  readonly maxRate?: number;
  readonly maxBatch?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Turns relay events into frames. Comments are coalesced into at most one frame per `batchMs`:
 * a comment after a quiet spell leaves at once (with whatever else this turn of the event loop
 * brings), the ones that follow within `batchMs` of it leave together when that time is up.
 * So a quiet stream's comments wait for nothing, and a busy one's cost one write per viewer
 * per window. With `batchMs` 0 each comment is its own `new_comment` frame. With a rate cap
 * each batch is sampled fairly and the frame says how many were left out. A reset or a change
 * of the stream flushes the window and passes at once, keeping order.
 */
export function toFrames(batchMs: number, options: FrameOptions = {}): OperatorFunction<RelayEvent, Frame> {
  const single = batchMs === 0;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<Frame>((subscriber) => {
      const sampler = options.maxRate === undefined ? undefined : new RateSampler(options.maxRate, () => scheduler.now());
      let buffer: Comment[] = [];
      /** The traceparents of the traced comments in the buffer. */
      let traced: string[] = NOTHING_TRACED;
      let timer: Subscription | undefined;
      let lastFlushAt = Number.NEGATIVE_INFINITY;
      const flush = () => {
        timer?.unsubscribe();
        timer = undefined;
        if (buffer.length === 0) return;
        lastFlushAt = scheduler.now();
        const batch = buffer;
        buffer = [];
        const traceParents = traced;
        traced = NOTHING_TRACED;
        if (!sampler) return subscriber.next(commentsFrame(batch, single, { traceParents }));
        const { kept, omitted } = sampler.sample(batch);
        subscriber.next(commentsFrame(kept, single, { omitted, firstSeq: batch[0]!.seq, throughSeq: batch[batch.length - 1]!.seq, traceParents }));
      };
      const upstream = source.subscribe({
        next(event) {
          if (event.kind === "position" || event.kind === "history" || isReviewEvent(event)) return;
          if (event.kind === "reset") {
            flush();
            subscriber.next({ kind: "reset", bytes: Buffer.from(formatReset(event.afterSeq, event.oldestAvailableSeq)) });
            return;
          }
          if (event.kind !== "comment") {
            // A comment deleted before its batch left is never shown; the deletion still goes out.
            if (event.kind === "deletion") buffer = buffer.filter((c) => c.commentId !== event.commentId);
            flush();
            subscriber.next(changeFrame(event));
            return;
          }
          buffer.push(event.comment);
          if (event.traceParent !== undefined) (traced === NOTHING_TRACED ? (traced = []) : traced).push(event.traceParent);
          if (single || buffer.length >= maxBatch) flush();
          else timer ??= scheduler.schedule(flush, Math.max(0, lastFlushAt + batchMs - scheduler.now()));
        },
        error(error) {
          flush();
          subscriber.error(error);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        upstream.unsubscribe();
      };
    });
}

/**
 * For an identified viewer: its own comments are never sampled away. When the rate cap left
 * some of them out of a shared frame, they go out just before it, without an id, so the
 * resume cursor stays with the shared frames.
 */
export function withOwnComments(userId: string, single: boolean): (frame: Frame) => Buffer {
  return (frame) => {
    if (frame.kind !== "comments" || frame.omitted.length === 0) return frame.bytes;
    const own = frame.omitted.filter((comment) => comment.userId === userId);
    if (own.length === 0) return frame.bytes;
    return Buffer.concat([Buffer.from(formatComments(own, single, false)), frame.bytes]);
  };
}
