import type cassandra from "cassandra-driver";
import type { Comment } from "../../core/comment.js";
import { makeRoom } from "../../core/bounded-map.js";
import { LcError } from "../../core/errors.js";
import type { ArchiveStore, SecondCount, WindowQuery } from "./index.js";
import { secondOf } from "./index.js";

/**
 * Width of a partition's time bucket. At the seed's peak of 5,000 comments/s on ONE stream a
 * minute holds 300,000 comments, about 60 MB, under Cassandra's ~100 MB guidance; quieter
 * streams stay far smaller. Fixed per keyspace when the archive is first created.
 */
export const DEFAULT_BUCKET_MS = 60_000;
/** Statements the archive writer runs at once. */
const WRITE_CONCURRENCY = 64;
/**
 * How long a stream's deleted ids, as read before a write, are trusted: this process adds its
 * own deletions at once; one made by another archive process (after the stream's partition
 * moved) is seen within this time. Streams remembered, and buckets known to be noted, at most.
 */
const DELETED_IDS_TTL_MS = 30_000;
const MAX_STREAMS_REMEMBERED = 10_000;
/** Rows of a stream's second counts read per request: three hours' worth in one. */
const SECOND_COUNTS_PAGE = 20_000;
/** Seconds to recount that lie at most this far apart are read in one query (within a partition). */
const RECOUNT_GAP_S = 10;
/** Offsets read per page when recounting. */
const RECOUNT_PAGE = 5_000;
/** Second counts written per unlogged batch (one partition, far under Cassandra's 5 KiB warning). */
const RECOUNT_BATCH = 100;
/** Largest unlogged batch of one partition's comments, estimated from their fields. */
const MAX_BATCH_BYTES = 16 * 1024;
const ROW_OVERHEAD_BYTES = 96;

const TABLE = "comments_by_bucket";

/** Options of {@link createCassandraArchiveStore}. */
export interface CassandraArchiveOptions {
  readonly bucketMs?: number;
  /**
   * Whether this process creates the archive's tables (the archive role does). Other roles only
   * read through it (ingest finds comments for moderators): they must not race the archive's
   * schema changes.
   */
  readonly createSchema?: boolean;
}

/**
 * Creates the archive table when missing, and pins the bucket width the keyspace was created
 * with: reading with another width would miss comments, so a mismatch stops the process.
 */
export async function createArchiveSchema(client: cassandra.Client, bucketMs: number): Promise<void> {
  await client.execute("CREATE TABLE IF NOT EXISTS archive_settings (name text PRIMARY KEY, value bigint)");
  await client.execute("INSERT INTO archive_settings (name, value) VALUES ('bucket_ms', ?) IF NOT EXISTS", [bucketMs]);
  const pinned = Number((await client.execute("SELECT value FROM archive_settings WHERE name = 'bucket_ms'")).first()!.value);
  if (pinned !== bucketMs) {
    throw new LcError("invalid_argument", `this archive keyspace uses ${pinned} ms buckets; reading it with ${bucketMs} ms buckets would miss comments`);
  }
  await client.execute(`CREATE TABLE IF NOT EXISTS ${TABLE} (
    stream_id text, bucket bigint, offset_ms bigint, seq bigint,
    comment_id text, user_id text, username text, text text, server_ts bigint,
    PRIMARY KEY ((stream_id, bucket), offset_ms, seq)
  ) WITH CLUSTERING ORDER BY (offset_ms ASC, seq ASC)`);
  // Which buckets of a stream hold comments, and the counts of buckets that can no longer change.
  await client.execute("CREATE TABLE IF NOT EXISTS stream_buckets (stream_id text, bucket bigint, sealed_count bigint, PRIMARY KEY (stream_id, bucket))");
  // The comments of each second of a stream, counted again from the comments after every change
  // to that second (see {@link createCassandraArchiveStore}).
  await client.execute("CREATE TABLE IF NOT EXISTS stream_seconds (stream_id text, second bigint, count bigint, PRIMARY KEY (stream_id, second))");
  // The comments moderators took down, so that writing one again does not bring it back.
  await client.execute("CREATE TABLE IF NOT EXISTS deleted_comments (stream_id text, comment_id text, deleted_at bigint, PRIMARY KEY (stream_id, comment_id))");
}

/**
 * The distributed archive on Cassandra. Partitions are (stream_id, bucket) so none grows
 * without bound; rows cluster by (offset_ms, seq), the replay order, so a window is a
 * contiguous slice of one or a few partitions. Writes are plain upserts of the same primary
 * key, which makes replaying the log harmless.
 *
 * A second's count is not a counter (an increment replayed is counted twice): after each batch
 * or deletion is acknowledged, every second it touched is counted again from its rows and the
 * result written with the time the count began as its write time. Of two counts of one second
 * the later begun wins, and it saw every comment acknowledged before it began, so the count that
 * remains agrees with the rows whatever was replayed or raced.
 */
export async function createCassandraArchiveStore(client: cassandra.Client, options: CassandraArchiveOptions = {}): Promise<ArchiveStore> {
  const bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
  if (options.createSchema ?? true) await createArchiveSchema(client, bucketMs);
  const insert = `INSERT INTO ${TABLE} (stream_id, bucket, offset_ms, seq, comment_id, user_id, username, text, server_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const columns = "stream_id, offset_ms, seq, comment_id, user_id, username, text, server_ts";
  const firstPage = `SELECT ${columns} FROM ${TABLE} WHERE stream_id = ? AND bucket = ? AND offset_ms >= ? AND offset_ms < ? LIMIT ?`;
  const nextPage = `SELECT ${columns} FROM ${TABLE} WHERE stream_id = ? AND bucket = ? AND (offset_ms, seq) > (?, ?) AND offset_ms < ? LIMIT ?`;
  const bucketOf = (offsetMs: number) => Math.floor(offsetMs / bucketMs);

  const offsetsIn = `SELECT offset_ms FROM ${TABLE} WHERE stream_id = ? AND bucket = ? AND offset_ms >= ? AND offset_ms < ?`;
  const writeSecond = "INSERT INTO stream_seconds (stream_id, second, count) VALUES (?, ?, ?)";
  let lastCountBegan = 0;
  /**
   * Counts the given seconds of each stream again from their rows and stores the counts. Nearby
   * seconds are read together, one query per run of them within a partition, reading only the
   * offsets; the counts of a stream go in unlogged batches of its one partition.
   */
  const recountSeconds = async (touched: ReadonlyMap<string, ReadonlySet<number>>): Promise<void> => {
    // Microseconds, unique in this process: every read below begins after it, so each saw every
    // comment acknowledged before it, and of two counts of a second the later begun is kept.
    const began = Math.max(Date.now() * 1000, lastCountBegan + 1);
    lastCountBegan = began;
    const reads: { streamId: string; bucket: number; fromMs: number; toMs: number }[] = [];
    for (const [streamId, seconds] of touched) {
      const sorted = [...seconds].sort((x, y) => x - y);
      let runStart = sorted[0]!;
      for (let i = 0; i < sorted.length; i++) {
        const second = sorted[i]!;
        const next = sorted[i + 1];
        if (next !== undefined && next - second <= RECOUNT_GAP_S) continue;
        for (let bucket = bucketOf(runStart * 1000); bucket <= bucketOf(second * 1000 + 999); bucket++) {
          reads.push({ streamId, bucket, fromMs: Math.max(runStart * 1000, bucket * bucketMs), toMs: Math.min((second + 1) * 1000, (bucket + 1) * bucketMs) });
        }
        if (next !== undefined) runStart = next;
      }
    }
    const counts = new Map<string, Map<number, number>>();
    for (const [streamId, seconds] of touched) counts.set(streamId, new Map([...seconds].map((second) => [second, 0])));
    await inWaves(reads, ({ streamId, bucket, fromMs, toMs }) => {
      const ofStream = counts.get(streamId)!;
      return eachRow(client, offsetsIn, [streamId, bucket, fromMs, toMs], RECOUNT_PAGE, (row) => {
        const second = secondOf(Number(row.offset_ms));
        const known = ofStream.get(second);
        if (known !== undefined) ofStream.set(second, known + 1);
      });
    });
    const writes: Promise<unknown>[] = [];
    for (const [streamId, ofStream] of counts) {
      const rows = [...ofStream];
      for (let i = 0; i < rows.length; i += RECOUNT_BATCH) {
        const queries = rows.slice(i, i + RECOUNT_BATCH).map(([second, n]) => ({ query: writeSecond, params: [streamId, second, n] }));
        writes.push(client.batch(queries, { logged: false, isIdempotent: true, timestamp: began }));
      }
    }
    await Promise.all(writes);
  };

  const readBucket = async (query: WindowQuery, bucket: number, limit: number): Promise<Comment[]> => {
    const after = query.after && bucketOf(query.after.offsetMs) === bucket ? query.after : undefined;
    const result = after
      ? await client.execute(nextPage, [query.streamId, bucket, after.offsetMs, after.seq, query.toMs, limit])
      : await client.execute(firstPage, [query.streamId, bucket, query.fromMs, query.toMs, limit]);
    return result.rows.map(rowToComment);
  };
  /** Every row at one offset of a stream: where a comment and any second copy of it sit. */
  const atOffset = async (streamId: string, offsetMs: number): Promise<Comment[]> =>
    (
      await client.execute(`SELECT ${columns} FROM ${TABLE} WHERE stream_id = ? AND bucket = ? AND offset_ms = ?`, [streamId, bucketOf(offsetMs), offsetMs])
    ).rows.map(rowToComment);

  const noteBucket = "INSERT INTO stream_buckets (stream_id, bucket) VALUES (?, ?)";
  const sealBucket = "UPDATE stream_buckets SET sealed_count = ? WHERE stream_id = ? AND bucket = ?";
  const bucketsOf = "SELECT bucket, sealed_count FROM stream_buckets WHERE stream_id = ?";
  const countBucket = `SELECT COUNT(*) AS n FROM ${TABLE} WHERE stream_id = ? AND bucket = ?`;
  // Each batch would otherwise read every stream's deletions and note every bucket again: at
  // 200 comments/s over 100 streams, most of what Cassandra spent per comment.
  const deletedIds = new Map<string, { ids: Set<string>; until: number }>();
  const notedBuckets = new Map<string, true>();
  const deletedIn = async (streamId: string): Promise<Set<string>> => {
    const now = Date.now();
    const known = deletedIds.get(streamId);
    if (known && known.until > now) return known.ids;
    const ids = new Set<string>();
    for (const row of (await client.execute("SELECT comment_id FROM deleted_comments WHERE stream_id = ?", [streamId])).rows) ids.add(row.comment_id as string);
    if (!deletedIds.delete(streamId)) makeRoom(deletedIds, MAX_STREAMS_REMEMBERED, (entry) => entry.until <= now);
    deletedIds.set(streamId, { ids, until: now + DELETED_IDS_TTL_MS });
    return ids;
  };
  return {
    async count(streamId, completeBeforeMs) {
      // Sealed buckets are read from their row; the few still open are counted now (one
      // partition each), and sealed once nothing more can arrive in them.
      let total = 0;
      for (const row of (await client.execute(bucketsOf, [streamId])).rows) {
        const bucket = Number(row.bucket);
        if (row.sealed_count !== null) {
          total += Number(row.sealed_count);
          continue;
        }
        const n = Number((await client.execute(countBucket, [streamId, bucket])).first()!.n);
        if ((bucket + 1) * bucketMs <= completeBeforeMs) await client.execute(sealBucket, [n, streamId, bucket], { isIdempotent: true });
        total += n;
      }
      return total;
    },
    async write(written) {
      // A rewrite (after a restart) must not bring back a comment deleted since: the stream's
      // deletions, few, are read once in a while and kept.
      const streams = [...new Set(written.map((c) => c.streamId))];
      const deleted = await Promise.all(streams.map(deletedIn));
      const deletedOf = new Map(streams.map((streamId, i) => [streamId, deleted[i]!]));
      const batch = written.filter((c) => !deletedOf.get(c.streamId)!.has(c.commentId));
      // One unlogged batch per partition (a stream's bucket): Cassandra applies it as one
      // mutation, where a statement per comment cost a request, a mutation and a commit-log
      // entry each. Batches stay far under Cassandra's 50 KiB refusal threshold
      // (batch_size_fail_threshold). A bucket this process has not noted yet is noted first.
      const open = new Map<string, { comments: Comment[]; bytes: number }>();
      const groups: Comment[][] = [];
      const toNote = new Map<string, [string, number]>();
      const touched = new Map<string, Set<number>>();
      for (const c of batch) {
        addTouched(touched, c.streamId, c.offsetMs);
        const bucket = bucketOf(c.offsetMs);
        const key = `${bucket}:${c.streamId}`;
        if (!notedBuckets.has(key)) toNote.set(key, [c.streamId, bucket]);
        const bytes = ROW_OVERHEAD_BYTES + Buffer.byteLength(c.text) + Buffer.byteLength(c.username) + c.userId.length + c.streamId.length;
        const group = open.get(key);
        if (group && group.bytes + bytes <= MAX_BATCH_BYTES) {
          group.comments.push(c);
          group.bytes += bytes;
        } else {
          const started = { comments: [c], bytes };
          open.set(key, started);
          groups.push(started.comments);
        }
      }
      await Promise.all([...toNote.values()].map((params) => client.execute(noteBucket, params, { isIdempotent: true })));
      for (const key of toNote.keys()) {
        makeRoom(notedBuckets, MAX_STREAMS_REMEMBERED, () => false);
        notedBuckets.set(key, true);
      }
      const row = (c: Comment) => [c.streamId, bucketOf(c.offsetMs), c.offsetMs, c.seq, c.commentId, c.userId, c.username, c.text, c.serverTs];
      await inWaves(groups, (comments) =>
        comments.length === 1
          ? client.execute(insert, row(comments[0]!), { isIdempotent: true })
          : client.batch(
              comments.map((c) => ({ query: insert, params: row(c) })),
              { logged: false, isIdempotent: true },
            ),
      );
      await recountSeconds(touched);
    },
    async remove(deletions) {
      const touched = new Map<string, Set<number>>();
      for (const deletion of deletions) {
        const bucket = bucketOf(deletion.offsetMs);
        await client.execute(
          "INSERT INTO deleted_comments (stream_id, comment_id, deleted_at) VALUES (?, ?, ?)",
          [deletion.streamId, deletion.commentId, deletion.deletedAt],
          { isIdempotent: true },
        );
        deletedIds.get(deletion.streamId)?.ids.add(deletion.commentId);
        const copies = (await atOffset(deletion.streamId, deletion.offsetMs)).filter((c) => c.commentId === deletion.commentId);
        await Promise.all(
          copies.map((c) =>
            client.execute(`DELETE FROM ${TABLE} WHERE stream_id = ? AND bucket = ? AND offset_ms = ? AND seq = ?`, [c.streamId, bucket, c.offsetMs, c.seq], {
              isIdempotent: true,
            }),
          ),
        );
        // The bucket's remembered count no longer holds: it is counted again.
        await client.execute("UPDATE stream_buckets SET sealed_count = null WHERE stream_id = ? AND bucket = ?", [deletion.streamId, bucket], {
          isIdempotent: true,
        });
        addTouched(touched, deletion.streamId, deletion.offsetMs);
      }
      await recountSeconds(touched);
    },
    async secondCounts(streamId) {
      const counts: SecondCount[] = [];
      await eachRow(client, "SELECT second, count FROM stream_seconds WHERE stream_id = ?", [streamId], SECOND_COUNTS_PAGE, (row) => {
        const count = Number(row.count);
        if (count > 0) counts.push({ second: Number(row.second), count });
      });
      return counts;
    },
    async find(streamId, commentId, offsetMs) {
      return (await atOffset(streamId, offsetMs)).find((c) => c.commentId === commentId);
    },
    async window(query) {
      const comments: Comment[] = [];
      const first = bucketOf(query.after ? Math.max(query.after.offsetMs, query.fromMs) : query.fromMs);
      const last = bucketOf(query.toMs - 1);
      for (let bucket = first; bucket <= last && comments.length < query.limit; bucket++) {
        comments.push(...(await readBucket(query, bucket, query.limit - comments.length)));
      }
      return comments;
    },
    async close() {},
  };
}

/** Runs `each` over `items`, {@link WRITE_CONCURRENCY} at a time. */
async function inWaves<T>(items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += WRITE_CONCURRENCY) await Promise.all(items.slice(i, i + WRITE_CONCURRENCY).map(each));
}

/** Notes that a stream's second holding `offsetMs` changed, to be counted again. */
function addTouched(touched: Map<string, Set<number>>, streamId: string, offsetMs: number): void {
  const seconds = touched.get(streamId) ?? new Set<number>();
  seconds.add(secondOf(offsetMs));
  touched.set(streamId, seconds);
}

/** Hands every row of a query to `onRow`, reading `pageSize` rows per request. */
async function eachRow(client: cassandra.Client, query: string, params: unknown[], pageSize: number, onRow: (row: cassandra.types.Row) => void): Promise<void> {
  let pageState: string | undefined;
  do {
    const page = await client.execute(query, params, { fetchSize: pageSize, ...(pageState ? { pageState } : {}) });
    for (const row of page.rows) onRow(row);
    pageState = page.pageState ?? undefined;
  } while (pageState);
}

function rowToComment(row: cassandra.types.Row): Comment {
  return {
    commentId: row.comment_id as string,
    streamId: row.stream_id as string,
    userId: row.user_id as string,
    username: row.username as string,
    text: row.text as string,
    serverTs: Number(row.server_ts),
    offsetMs: Number(row.offset_ms),
    seq: Number(row.seq),
  };
}
