import type { ArchiveStore } from "../ports/archive-store/index.js";
import type { CommentLog, Consumption } from "../ports/comment-log/index.js";

/** The consumer group of the archive writer. */
export const ARCHIVE_CONSUMER_GROUP = "livecomments-archive";

/**
 * Copies the log into the archive. The log position is committed only after the store
 * acknowledged the batch, and the store's writes are idempotent, so a crash replays at most
 * a batch and changes nothing.
 */
export function startArchiveWriter(log: CommentLog, archive: ArchiveStore): Promise<Consumption> {
  return log.consume({ group: ARCHIVE_CONSUMER_GROUP, from: "earliest", commit: true }, (batch) => archive.write(batch));
}
