import type { Comment, CommentRecord } from "../../core/comment.js";

/**
 * The durable comment log: the single source of truth every other role reads.
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
export interface CommentLog {
  /** Appends a record and resolves with the comment as placed (with its seq). */
  append(record: CommentRecord): Promise<Comment>;
  /** Starts delivering the log to `handler`; see {@link ConsumeOptions}. */
  consume(options: ConsumeOptions, handler: BatchHandler): Promise<Consumption>;
  /** Resolves when the engine answers (readiness probes). */
  ping(): Promise<void>;
  /** Stops consumers and releases the engine. */
  close(): Promise<void>;
}

/** Where and how a consumer reads the log. */
export interface ConsumeOptions {
  /** Consumer group name; a committed group resumes where it stopped. */
  readonly group: string;
  /**
   * Where a group with no committed position starts: the beginning, the end, or the first
   * comment stored at or after `since` (milliseconds since the epoch, compared with server_ts).
   */
  readonly from: "earliest" | "latest" | { readonly since: number };
  /** Whether to commit the position after each handled batch (at-least-once). */
  readonly commit: boolean;
}

/**
 * Receives batches in log order. The next batch is not delivered until the returned promise
 * settles; the position is committed only after it resolves. A rejection is retried.
 */
export type BatchHandler = (batch: readonly Comment[]) => Promise<void> | void;

/** A running consumer. */
export interface Consumption {
  stop(): Promise<void>;
  /**
   * The seq after which this consumer sees every comment of the stream (it started reading
   * there), or undefined when it cannot tell. A reader that keeps what it consumed can then
   * tell a cursor it simply has nothing after from one whose comments it never saw.
   */
  coversAfter(streamId: string): number | undefined;
}

/**
 * Optional capability: reading a stream's comments back by seq, for resuming viewers whose
 * cursor is older than what the relay keeps in memory.
 */
export interface StreamHistory {
  /** Up to `limit` comments of the stream with seq > afterSeq, in seq order. */
  readAfter(streamId: string, afterSeq: number, limit: number): Promise<Comment[]>;
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
