import type { Statement } from "better-sqlite3";
import type { Comment } from "../../core/comment.js";
import { LcError } from "../../core/errors.js";
import type { LogEntry, LogEvent } from "../../core/log-event.js";
import { commentEntry, entryTime, placeEntry, withTraceParent } from "../../core/log-event.js";
import { decodeLogRecord, encodeLogEntry } from "../../core/log-record.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { CommentRow } from "../sqlite/comment-row.js";
import { rowToComment } from "../sqlite/comment-row.js";
import { AppendQueue, logUnavailable } from "./append-queue.js";
import type { PendingAppend } from "./append-queue.js";
import type { BatchHandler, CommentLog, ConsumeOptions, ConsumerLag, Consumption, StreamHistory } from "./index.js";

/** Most appends committed in one transaction (one fsync). */
export const DEFAULT_MAX_APPEND_BATCH = 512;
/** Most appends waiting for a commit; past it `append` rejects with `overloaded`. */
export const DEFAULT_MAX_PENDING_APPENDS = 10_000;
/** Most records handed to a consumer at once. */
export const DEFAULT_CONSUME_BATCH = 500;
/** Pause before a consumer retries a batch its handler rejected. */
export const CONSUMER_RETRY_MS = 200;
/** Rows of a log from before LogRecords converted per step of the one-time migration. */
const MIGRATION_CHUNK = 5_000;

/** Options of {@link createSqliteCommentLog}. */
export interface SqliteCommentLogOptions {
  readonly db: SqliteDatabase;
  readonly maxAppendBatch?: number;
  readonly maxPendingAppends?: number;
  readonly consumeBatch?: number;
  readonly logger?: Logger;
}

interface RecordRow {
  pos: number;
  seq: number;
  record: Buffer;
  /** Read only by consumers of the log's tail (the relay, the archive): the traced post's traceparent. */
  trace_parent?: string | null;
}

/**
 * Every record is the LogRecord protobuf the Kafka log carries, with the columns that reading
 * back needs beside it: the kind, the comment a row is or names, its time, and whether a later
 * deletion took the comment down (so history never reads it back).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_records (
  pos INTEGER PRIMARY KEY,
  stream_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  comment_id TEXT,
  at INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  record BLOB NOT NULL,
  UNIQUE (stream_id, seq)
);
CREATE INDEX IF NOT EXISTS log_records_by_comment ON log_records (stream_id, comment_id) WHERE kind = 'comment';
CREATE TABLE IF NOT EXISTS log_stream_seq (stream_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_consumer_offsets (grp TEXT PRIMARY KEY, pos INTEGER NOT NULL) WITHOUT ROWID;
`;

/** A log row as the event it holds; undefined for a record this version cannot show. */
function rowToEvent(row: RecordRow): LogEvent | undefined {
  const event = decodeLogRecord(row.record, row.seq);
  return event && withTraceParent(event, row.trace_parent ?? undefined);
}

function rowsToEvents(rows: readonly RecordRow[]): LogEvent[] {
  const events: LogEvent[] = [];
  for (const row of rows) {
    const event = rowToEvent(row);
    if (event) events.push(event);
  }
  return events;
}

/** Adds the traceparent column to a log written before traces were kept. */
function addTraceParentColumn(db: SqliteDatabase): void {
  const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('log_records')").all();
  if (!columns.some((column) => column.name === "trace_parent")) db.exec("ALTER TABLE log_records ADD COLUMN trace_parent TEXT");
}

/**
 * Converts a log written before LogRecords (table `log`, a comment per row in columns) into
 * `log_records`, keeping every position, so committed consumer groups go on where they were.
 */
function migrateCommentColumns(db: SqliteDatabase, logger: Logger): void {
  const old = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'log'").get();
  if (!old) return;
  const columns = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('log')")
      .all()
      .map((c) => c.name),
  );
  type OldRow = CommentRow & { pos: number; client_ts: number | null; meta: string | null; request_id: string | null };
  const read = db.prepare<[number, number], OldRow>(
    `SELECT pos, stream_id, seq, comment_id, user_id, username, text, server_ts, offset_ms, client_ts, meta, ${columns.has("request_id") ? "request_id" : "NULL AS request_id"}
     FROM log WHERE pos > ? ORDER BY pos LIMIT ?`,
  );
  const insert = db.prepare("INSERT INTO log_records (pos, stream_id, seq, kind, comment_id, at, record) VALUES (?, ?, ?, 'comment', ?, ?, ?)");
  let converted = 0;
  db.transaction(() => {
    for (let after = 0; ;) {
      const rows = read.all(after, MIGRATION_CHUNK);
      if (rows.length === 0) break;
      for (const row of rows) {
        const comment = rowToComment(row);
        const { seq: _seq, ...record } = row.request_id === null ? comment : { ...comment, requestId: row.request_id };
        const entry = commentEntry({
          ...record,
          ...(row.client_ts === null ? {} : { clientTs: row.client_ts }),
          ...(row.meta === null ? {} : { meta: JSON.parse(row.meta) as Record<string, unknown> }),
        });
        insert.run(row.pos, row.stream_id, row.seq, row.comment_id, row.server_ts, encodeLogEntry(entry));
      }
      converted += rows.length;
      after = rows[rows.length - 1]!.pos;
    }
    db.exec("DROP TABLE log");
  })();
  logger.info("converted the embedded log to LogRecords", { records: converted });
}

/**
 * The embedded durable log: one SQLite table of LogRecords, a per-stream seq counter, and group
 * commit. Appends that arrive in the same turn of the event loop share one transaction, so the
 * fsync that makes them durable is paid once per batch instead of once per record.
 */
export function createSqliteCommentLog(options: SqliteCommentLogOptions): CommentLog & StreamHistory & ConsumerLag {
  const { db } = options;
  const maxAppendBatch = options.maxAppendBatch ?? DEFAULT_MAX_APPEND_BATCH;
  const maxPending = options.maxPendingAppends ?? DEFAULT_MAX_PENDING_APPENDS;
  const consumeBatch = options.consumeBatch ?? DEFAULT_CONSUME_BATCH;
  const logger = options.logger ?? silentLogger;
  db.exec(SCHEMA);
  migrateCommentColumns(db, logger);
  addTraceParentColumn(db);

  const nextSeq = db.prepare<[string], { last_seq: number }>(
    `INSERT INTO log_stream_seq (stream_id, last_seq) VALUES (?, 1)
     ON CONFLICT (stream_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
  );
  const insert = db.prepare<[string, number, string, string | null, number, Uint8Array, string | null]>(
    "INSERT INTO log_records (stream_id, seq, kind, comment_id, at, record, trace_parent) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const markDeleted = db.prepare<[string, string]>("UPDATE log_records SET deleted = 1 WHERE stream_id = ? AND comment_id = ? AND kind = 'comment'");
  const readAfterPos: Statement<[number, number], RecordRow> = db.prepare(
    "SELECT pos, seq, record, trace_parent FROM log_records WHERE pos > ? ORDER BY pos LIMIT ?",
  );
  const readStreamAfter: Statement<[string, number, number], RecordRow> = db.prepare(
    "SELECT pos, seq, record FROM log_records WHERE stream_id = ? AND seq > ? AND deleted = 0 ORDER BY seq LIMIT ?",
  );
  const readStreamRecent: Statement<[string, number], RecordRow> = db.prepare(
    "SELECT pos, seq, record FROM log_records WHERE stream_id = ? AND kind = 'comment' AND deleted = 0 ORDER BY seq DESC LIMIT ?",
  );
  const lastPos = db.prepare<[], { pos: number | null }>("SELECT MAX(pos) AS pos FROM log_records");
  // Scans the log (`at` has no index); only a consumer that starts from a time asks it, once.
  const firstPosSince = db.prepare<[number], { pos: number | null }>("SELECT MIN(pos) AS pos FROM log_records WHERE at >= ?");
  const committedPos = db.prepare<[string], { pos: number }>("SELECT pos FROM log_consumer_offsets WHERE grp = ?");
  const commitPos = db.prepare("INSERT INTO log_consumer_offsets (grp, pos) VALUES (?, ?) ON CONFLICT (grp) DO UPDATE SET pos = excluded.pos");

  const commentIdOf = (entry: LogEntry): string | null =>
    entry.kind === "comment" ? entry.record.commentId : entry.kind === "deletion" ? entry.commentId : null;
  const appendBatch = db.transaction((batch: readonly PendingAppend[]): LogEvent[] =>
    batch.map(({ entry }) => {
      const seq = nextSeq.get(entry.streamId)!.last_seq;
      insert.run(entry.streamId, seq, entry.kind, commentIdOf(entry), entryTime(entry), encodeLogEntry(entry), entry.traceParent ?? null);
      if (entry.kind === "deletion") markDeleted.run(entry.streamId, entry.commentId);
      return placeEntry(entry, seq);
    }),
  );

  /** The last position a consumer starting `from` has read. */
  const startPosition = (from: ConsumeOptions["from"]): number => {
    const end = lastPos.get()?.pos ?? 0;
    if (from === "earliest") return 0;
    if (from === "latest") return end;
    if ("since" in from) return (firstPosSince.get(from.since)?.pos ?? end + 1) - 1;
    const next = from.at.get(0) ?? 1;
    if ([...from.at.keys()].some((partition) => partition !== 0) || next < 1 || next > end + 1) {
      throw new LcError("invalid_argument", "the position is not one of this log's");
    }
    return next - 1;
  };

  let flushScheduled = false;
  let closed = false;
  const wakers = new Set<() => void>();
  const consumptions = new Set<Consumption>();

  const flush = () => {
    flushScheduled = false;
    const batch = queue.take(maxAppendBatch);
    if (queue.size > 0) scheduleFlush();
    if (batch.length === 0) return;
    let events: LogEvent[];
    try {
      events = appendBatch(batch);
    } catch (error) {
      logger.error("sqlite log append failed", { err: error, count: batch.length });
      const failure = logUnavailable(error);
      for (const item of batch) item.reject(failure);
      return;
    }
    batch.forEach((item, i) => item.resolve(events[i]!));
    for (const wake of wakers) wake();
  };
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  const queue = new AppendQueue(maxPending, scheduleFlush);

  return {
    id: "embedded",
    append: (record, options) => queue.enqueue(record, options?.signal),

    async consume(consumeOptions: ConsumeOptions, handler: BatchHandler): Promise<Consumption> {
      if (closed) throw new LcError("log_unavailable", "the comment log is closed");
      // `position` is the last position read; a LogPosition names the next one.
      let position = committedPos.get(consumeOptions.group)?.pos ?? startPosition(consumeOptions.from);
      const start = new Map([[0, position + 1]]);
      let stopped = false;
      let wakeUp: (() => void) | undefined;
      const waker = () => wakeUp?.();
      wakers.add(waker);
      const sleep = (ms?: number) =>
        new Promise<void>((resolve) => {
          const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
          wakeUp = () => {
            clearTimeout(timer);
            wakeUp = undefined;
            resolve();
          };
        });

      const loop = async () => {
        while (!stopped) {
          const rows = readAfterPos.all(position, consumeBatch);
          if (rows.length === 0) {
            await sleep();
            continue;
          }
          try {
            await handler(rowsToEvents(rows), new Map([[0, rows[rows.length - 1]!.pos + 1]]));
          } catch (error) {
            logger.warn("log consumer handler failed; retrying the batch", { group: consumeOptions.group, err: error });
            await sleep(CONSUMER_RETRY_MS);
            continue;
          }
          position = rows[rows.length - 1]!.pos;
          if (consumeOptions.commit && !stopped) commitPos.run(consumeOptions.group, position);
        }
      };
      const done = loop();
      const consumption: Consumption = {
        // Seqs count per stream here while positions are global: no per-stream answer (and
        // readers of this log read history instead).
        coversAfter: () => undefined,
        start,
        skipped: 0,
        async stop() {
          stopped = true;
          wakers.delete(waker);
          consumptions.delete(consumption);
          wakeUp?.();
          await done;
        },
      };
      consumptions.add(consumption);
      return consumption;
    },

    async lag(group) {
      const end = lastPos.get()?.pos ?? 0;
      return end - (committedPos.get(group)?.pos ?? 0);
    },

    async ping() {
      if (closed) throw new LcError("log_unavailable", "the comment log is closed");
      lastPos.get();
    },

    async readAfter(streamId, afterSeq, limit) {
      return rowsToEvents(readStreamAfter.all(streamId, afterSeq, limit));
    },

    async readRecent(streamId, count) {
      const comments: Comment[] = [];
      for (const event of rowsToEvents(readStreamRecent.all(streamId, count).reverse())) if (event.kind === "comment") comments.push(event.comment);
      return comments;
    },

    async close() {
      if (closed) return;
      closed = true;
      queue.close();
      // Appends already accepted into the queue are committed before the log closes.
      while (queue.size > 0) flush();
      await Promise.all([...consumptions].map((c) => c.stop()));
    },
  };
}
