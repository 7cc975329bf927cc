import type { Comment, CommentRecord } from "../../core/comment.js";
import type { LogEntry, LogEvent } from "../../core/log-event.js";
import { commentEntry } from "../../core/log-event.js";

/**
 * The durable comment log: the single source of truth every other role reads. It carries every
 * event of a stream (comments, deletions, pins, slow-mode changes, the end) as LogRecord
 * messages, in the stream's order.
 *
 * Guarantees every adapter keeps:
 * - `append` resolves only once the record is durable (SQLite: committed with fsync;
 *   Kafka: acknowledged by all in-sync replicas). A rejection means the comment may not be
 *   stored, and ingest must not answer 202 for it.
 * - All comments of one stream are in one total order; `seq` increases in that order
 *   (gaps allowed) and is the stream's resume cursor.
 * - Consumers see each stream's comments in log order. Delivery is at-least-once: after a
 *   crash a consumer group may see a batch again, so consumers de-duplicate by commentId.
 * - After `close()`, `append` rejects with `LcError("log_unavailable")`.
 */
/** How one append may be given up. */
export interface AppendOptions {
  /**
   * Aborted when the caller no longer waits (a post already answered 503): an append still
   * queued, not yet sent to the engine, is then dropped and rejects with `log_unavailable`,
   * so that an outage does not leave a backlog of comments nobody waits for to be written
   * after it. Once sent, an append runs to its end whatever the signal says.
   */
  readonly signal?: AbortSignal;
}

export interface CommentLog {
  /** Which log this is (engine and topic), so a position read from another log is refused. */
  readonly id: string;
  /** Appends an entry and resolves with it as placed (with its seq). */
  append(entry: LogEntry, options?: AppendOptions): Promise<LogEvent>;
  /** Starts delivering the log to `handler`; see {@link ConsumeOptions}. */
  consume(options: ConsumeOptions, handler: BatchHandler): Promise<Consumption>;
  /** Resolves when the engine answers (readiness probes). */
  ping(): Promise<void>;
  /** Stops consumers and releases the engine. */
  close(): Promise<void>;
}

/**
 * A reader's place in the whole log: for each partition, the next offset to read. Kafka has a
 * partition per share of the topic; the embedded log is one partition, 0, of global positions.
 */
export type LogPosition = ReadonlyMap<number, number>;

/** Where and how a consumer reads the log. */
export interface ConsumeOptions {
  /** Consumer group name; a committed group resumes where it stopped. */
  readonly group: string;
  /**
   * Where a group with no committed position starts: the beginning, the end, or the first
   * comment stored at or after `since` (milliseconds since the epoch, compared with server_ts),
   * or a position an earlier consumer reached (`at`; a partition it does not name starts at its
   * beginning). A position outside this log is refused with `invalid_argument`.
   */
  readonly from: "earliest" | "latest" | { readonly since: number } | { readonly at: LogPosition };
  /** Whether to commit the position after each handled batch (at-least-once). */
  readonly commit: boolean;
}

/**
 * Receives batches in log order, with the consumer's position once the batch is handled (exact
 * for a consumer that does not commit). The next batch is not delivered until the returned
 * promise settles; the position is committed only after it resolves. A rejection is retried.
 */
export type BatchHandler = (batch: readonly LogEvent[], after: LogPosition) => Promise<void> | void;

/** A running consumer. */
export interface Consumption {
  stop(): Promise<void>;
  /**
   * The seq after which this consumer sees every comment of the stream (it started reading
   * there), or undefined when it cannot tell. A reader that keeps what it consumed can then
   * tell a cursor it simply has nothing after from one whose comments it never saw.
   */
  coversAfter(streamId: string): number | undefined;
  /** Where the consumer started: its first batch follows this position. */
  readonly start: LogPosition;
  /** Records the log no longer held between `from.at` and where reading began (retention). */
  readonly skipped: number;
}

/**
 * Optional capability: reading a stream back by seq, for resuming viewers whose cursor is older
 * than what the relay keeps in memory, and for the recent comments a new viewer sees first.
 * Deleted comments are never read back.
 */
export interface StreamHistory {
  /** Up to `limit` records of the stream with seq > afterSeq, in seq order. */
  readAfter(streamId: string, afterSeq: number, limit: number): Promise<LogEvent[]>;
  /** The stream's `count` most recent comments, oldest first. */
  readRecent(streamId: string, count: number): Promise<Comment[]>;
}

/** Type guard for {@link StreamHistory}. */
export function hasStreamHistory(log: CommentLog): log is CommentLog & StreamHistory {
  return typeof (log as Partial<StreamHistory>).readAfter === "function";
}

/** Optional capability: how far a committed consumer group is behind the end of the log. */
export interface ConsumerLag {
  /** Comments appended but not yet committed by `group`. */
  lag(group: string): Promise<number>;
}

/** Type guard for {@link ConsumerLag}. */
export function hasConsumerLag(log: CommentLog): log is CommentLog & ConsumerLag {
  return typeof (log as Partial<ConsumerLag>).lag === "function";
}

/** Appends a comment (in the trace `traceParent` names, if any) and resolves with it as placed. */
export async function appendComment(log: CommentLog, record: CommentRecord, traceParent?: string, options?: AppendOptions): Promise<Comment> {
  const entry = commentEntry(record);
  const placed = await log.append(traceParent === undefined ? entry : { ...entry, traceParent }, options);
  if (placed.kind !== "comment") throw new Error("the log placed a comment as another kind of record");
  return placed.comment;
}
