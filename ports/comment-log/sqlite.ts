import type { Statement } from "better-sqlite3";
import type { Comment } from "../../core/comment.js";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { SqliteDatabase } from "../sqlite/open-database.js";
import type { CommentRow } from "../sqlite/comment-row.js";
import { COMMENT_COLUMNS, COMMENT_COLUMN_DEFINITIONS, rowToComment } from "../sqlite/comment-row.js";
import { AppendQueue, logUnavailable } from "./append-queue.js";
import type { PendingAppend } from "./append-queue.js";
import type { BatchHandler, CommentLog, ConsumeOptions, ConsumerLag, Consumption, StreamHistory } from "./index.js";

/** Most appends committed in one transaction (one fsync). */
export const DEFAULT_MAX_APPEND_BATCH = 512;
/** Most appends waiting for a commit; past it `append` rejects with `overloaded`. */
export const DEFAULT_MAX_PENDING_APPENDS = 10_000;
/** Most comments handed to a consumer at once. */
export const DEFAULT_CONSUME_BATCH = 500;
/** Pause before a consumer retries a batch its handler rejected. */
export const CONSUMER_RETRY_MS = 200;

/** Options of {@link createSqliteCommentLog}. */
export interface SqliteCommentLogOptions {
  readonly db: SqliteDatabase;
  readonly maxAppendBatch?: number;
  readonly maxPendingAppends?: number;
  readonly consumeBatch?: number;
  readonly logger?: Logger;
}

interface LogRow extends CommentRow {
  pos: number;
  request_id: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  pos INTEGER PRIMARY KEY,${COMMENT_COLUMN_DEFINITIONS},
  client_ts INTEGER,
  meta TEXT,
  request_id TEXT,
  UNIQUE (stream_id, seq)
);
CREATE TABLE IF NOT EXISTS log_stream_seq (stream_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_consumer_offsets (grp TEXT PRIMARY KEY, pos INTEGER NOT NULL) WITHOUT ROWID;
`;

const COLUMNS = `pos, ${COMMENT_COLUMNS}, request_id`;

/** A log row as the comment it holds, with the id of the request that posted it. */
function logRowToComment(row: LogRow): Comment {
  const comment = rowToComment(row);
  return row.request_id === null ? comment : { ...comment, requestId: row.request_id };
}

/**
 * The embedded durable log: one SQLite table, a per-stream seq counter, and group commit.
 * Appends that arrive in the same turn of the event loop share one transaction, so the
 * fsync that makes them durable is paid once per batch instead of once per comment.
 */
export function createSqliteCommentLog(options: SqliteCommentLogOptions): CommentLog & StreamHistory & ConsumerLag {
  const { db } = options;
  const maxAppendBatch = options.maxAppendBatch ?? DEFAULT_MAX_APPEND_BATCH;
  const maxPending = options.maxPendingAppends ?? DEFAULT_MAX_PENDING_APPENDS;
  const consumeBatch = options.consumeBatch ?? DEFAULT_CONSUME_BATCH;
  const logger = options.logger ?? silentLogger;
  db.exec(SCHEMA);
  // A log file from before request ids: add the column (old rows have none).
  if (
    !db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('log')")
      .all()
      .some((column) => column.name === "request_id")
  ) {
    db.exec("ALTER TABLE log ADD COLUMN request_id TEXT");
  }

  const nextSeq = db.prepare<[string], { last_seq: number }>(
    `INSERT INTO log_stream_seq (stream_id, last_seq) VALUES (?, 1)
     ON CONFLICT (stream_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
  );
  const insert = db.prepare(
    `INSERT INTO log (stream_id, seq, comment_id, user_id, username, text, server_ts, offset_ms, client_ts, meta, request_id)
     VALUES (@streamId, @seq, @commentId, @userId, @username, @text, @serverTs, @offsetMs, @clientTs, @meta, @requestId)`,
  );
  const readAfterPos: Statement<[number, number], LogRow> = db.prepare(`SELECT ${COLUMNS} FROM log WHERE pos > ? ORDER BY pos LIMIT ?`);
  const readStreamAfter: Statement<[string, number, number], LogRow> = db.prepare(
    `SELECT ${COLUMNS} FROM log WHERE stream_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const lastPos = db.prepare<[], { pos: number | null }>("SELECT MAX(pos) AS pos FROM log");
  // Scans the log (server_ts has no index); only a consumer that starts from a time asks it, once.
  const firstPosSince = db.prepare<[number], { pos: number | null }>("SELECT MIN(pos) AS pos FROM log WHERE server_ts >= ?");
  const committedPos = db.prepare<[string], { pos: number }>("SELECT pos FROM log_consumer_offsets WHERE grp = ?");
  const commitPos = db.prepare("INSERT INTO log_consumer_offsets (grp, pos) VALUES (?, ?) ON CONFLICT (grp) DO UPDATE SET pos = excluded.pos");

  const appendBatch = db.transaction((batch: readonly PendingAppend[]): Comment[] =>
    batch.map(({ record }) => {
      const seq = nextSeq.get(record.streamId)!.last_seq;
      insert.run({
        streamId: record.streamId,
        seq,
        commentId: record.commentId,
        userId: record.userId,
        username: record.username,
        text: record.text,
        serverTs: record.serverTs,
        offsetMs: record.offsetMs,
        clientTs: record.clientTs ?? null,
        meta: record.meta === undefined ? null : JSON.stringify(record.meta),
        requestId: record.requestId ?? null,
      });
      return {
        commentId: record.commentId,
        streamId: record.streamId,
        userId: record.userId,
        username: record.username,
        text: record.text,
        serverTs: record.serverTs,
        offsetMs: record.offsetMs,
        seq,
        ...(record.requestId === undefined ? {} : { requestId: record.requestId }),
      };
    }),
  );

  let flushScheduled = false;
  let closed = false;
  const wakers = new Set<() => void>();
  const consumptions = new Set<Consumption>();

  const flush = () => {
    flushScheduled = false;
    const batch = queue.take(maxAppendBatch);
    if (queue.size > 0) scheduleFlush();
    if (batch.length === 0) return;
    let comments: Comment[];
    try {
      comments = appendBatch(batch);
    } catch (error) {
      logger.error("sqlite log append failed", { err: error, count: batch.length });
      const failure = logUnavailable(error);
      for (const item of batch) item.reject(failure);
      return;
    }
    batch.forEach((item, i) => item.resolve(comments[i]!));
    for (const wake of wakers) wake();
  };
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  const queue = new AppendQueue(maxPending, scheduleFlush);

  return {
    append: (record) => queue.enqueue(record),

    async consume(consumeOptions: ConsumeOptions, handler: BatchHandler): Promise<Consumption> {
      if (closed) throw new LcError("log_unavailable", "the comment log is closed");
      const { from } = consumeOptions;
      let position =
        committedPos.get(consumeOptions.group)?.pos ??
        (from === "earliest" ? 0 : from === "latest" ? (lastPos.get()?.pos ?? 0) : (firstPosSince.get(from.since)?.pos ?? (lastPos.get()?.pos ?? 0) + 1) - 1);
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
            await handler(rows.map(logRowToComment));
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
      return readStreamAfter.all(streamId, afterSeq, limit).map(logRowToComment);
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
