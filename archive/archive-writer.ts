import { endFailed, startBatchSpan, tracedOf, tracingOn } from "../core/tracing.js";
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { Comment } from "../core/comment.js";
import { RecentIds } from "../client/shared/recent-ids.js";
import type { ArchiveStore, ArchivedDeletion } from "../ports/archive-store/index.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import { hasConsumerLag } from "../ports/comment-log/index.js";
import { LAG_POLL_MS } from "./defaults.js";

/**
 * Comment ids the writer remembers, to leave out a second copy of a comment that follows the
 * first within this many comments (a producer replaced mid-batch writes it moments later). The
 * stores drop copies further apart by themselves or, on Cassandra, keep one row per seq.
 */
const RECENT_COMMENT_IDS = 100_000;

/** The consumer group of the archive writer. */
export const ARCHIVE_CONSUMER_GROUP = "livecomments-archive";

/** How far the archive is behind the log. */
export interface ArchiveStatus {
  /** Comments in the log not yet in the archive; undefined until first measured. */
  readonly lagComments: number | undefined;
  /** Seconds since the archive last held everything the log had (0 when it does now). */
  readonly lagSeconds: number | undefined;
  /** Comments written since this process started (replays included). */
  readonly written: number;
  /**
   * A time (ms) at which the archive was known to hold every comment the log had accepted by
   * then; undefined until first known.
   */
  readonly completeThrough: number | undefined;
}

/** A running archive writer. */
export interface ArchiveWriter {
  status(): ArchiveStatus;
  stop(): Promise<void>;
}

/**
 * Copies the log into the archive. The log position is committed only after the store
 * acknowledged the batch, and the store's writes are idempotent, so a crash replays at most
 * a batch and changes nothing. It measures its lag by asking the log, every LAG_POLL_MS.
 */
export async function startArchiveWriter(
  log: CommentLog,
  archive: ArchiveStore,
  options: { clock?: Clock; logger?: Logger; lagPollMs?: number } = {},
): Promise<ArchiveWriter> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  let written = 0;
  let lagComments: number | undefined;
  let completeThrough: number | undefined;
  const seen = new RecentIds(RECENT_COMMENT_IDS);
  const consumption = await log.consume({ group: ARCHIVE_CONSUMER_GROUP, from: "earliest", commit: true }, async (batch) => {
    // Comments first, then deletions: a deletion always follows its comment in the log.
    const comments: Comment[] = [];
    const batchIds = new Set<string>();
    const deletions: ArchivedDeletion[] = [];
    for (const event of batch) {
      if (event.kind === "comment") {
        const id = event.comment.commentId;
        if (seen.has(id) || batchIds.has(id)) continue; // a second copy in the log
        batchIds.add(id);
        comments.push(event.comment);
      } else if (event.kind === "deletion") {
        deletions.push({ streamId: event.streamId, commentId: event.commentId, offsetMs: event.offsetMs, deletedAt: event.deletedAt });
      }
    }
    const span = tracingOn() ? startBatchSpan("archive write", tracedOf(batch), { "livecomments.comments": comments.length }) : undefined;
    try {
      if (comments.length > 0) await archive.write(comments);
      if (deletions.length > 0) await archive.remove(deletions);
      span?.end();
    } catch (error) {
      if (span) endFailed(span, error);
      throw error;
    }
    for (const id of batchIds) seen.add(id); // only once stored: a failed batch is retried whole
    written += comments.length;
  });
  const measure = async () => {
    if (!hasConsumerLag(log)) return;
    const askedAt = clock.now();
    try {
      lagComments = await log.lag(ARCHIVE_CONSUMER_GROUP);
      // Everything accepted before we asked was in the log, and the log had nothing we lack.
      if (lagComments === 0) completeThrough = askedAt;
    } catch (error) {
      logger.warn("could not measure the archive's lag", { err: error });
    }
  };
  await measure();
  const timer = setInterval(() => void measure(), options.lagPollMs ?? LAG_POLL_MS);
  timer.unref();
  return {
    status() {
      const lagSeconds =
        lagComments === undefined ? undefined : lagComments === 0 ? 0 : completeThrough === undefined ? undefined : (clock.now() - completeThrough) / 1000;
      return { lagComments, lagSeconds, written, completeThrough };
    },
    async stop() {
      clearInterval(timer);
      await consumption.stop();
    },
  };
}
