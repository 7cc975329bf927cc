import type cassandra from "cassandra-driver";
import { LcError } from "../../core/errors.js";
import type { Comment } from "../../core/comment.js";
import type { Stream } from "../../core/stream.js";
import { streamWithModeration } from "../../core/stream.js";
import type { StreamRegistry } from "./index.js";

/** The stream registry on Cassandra; creation and ending use lightweight transactions. */
export async function createCassandraStreamRegistry(client: cassandra.Client): Promise<StreamRegistry> {
  await client.execute("CREATE TABLE IF NOT EXISTS streams (stream_id text PRIMARY KEY, title text, started_at bigint, ended_at bigint)");
  const columnsOfStreams = async () =>
    new Set(
      (await client.execute("SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'streams'", [client.keyspace])).rows.map(
        (row) => row.column_name as string,
      ),
    );
  const existing = await columnsOfStreams();
  for (const [column, type] of [
    ["pinned", "text"],
    ["slow_mode_s", "int"],
    ["revision", "bigint"],
    ["owner_id", "text"],
    ["moderators", "set<text>"],
    ["blocked_terms", "text"],
    ["members_only", "boolean"],
    ["unique_chat", "boolean"],
    ["delay_s", "int"],
  ] as const) {
    if (existing.has(column)) continue;
    try {
      await client.execute(`ALTER TABLE streams ADD ${column} ${type}`);
    } catch (error) {
      // Every role opens the registry: another may have added the column a moment ago.
      if (!(await columnsOfStreams()).has(column)) throw error;
    }
  }
  const select =
    "SELECT stream_id, title, started_at, ended_at, pinned, slow_mode_s, revision, owner_id, moderators, blocked_terms, members_only, unique_chat, delay_s FROM streams WHERE stream_id = ?";
  const get = async (streamId: string): Promise<Stream | undefined> => {
    const row = (await client.execute(select, [streamId])).first();
    if (!row) return undefined;
    const base = { streamId: row.stream_id as string, title: (row.title as string | null) ?? "", startedAt: Number(row.started_at) };
    const stream = row.ended_at === null ? base : { ...base, endedAt: Number(row.ended_at) };
    return streamWithModeration(stream, {
      pinned: row.pinned === null ? undefined : (JSON.parse(row.pinned as string) as Comment),
      slowModeS: Number(row.slow_mode_s ?? 0),
      revision: Number(row.revision ?? 0),
      ownerId: row.owner_id as string | null,
      moderators: row.moderators as string[] | null,
      blockedTerms: row.blocked_terms === null ? null : (JSON.parse(row.blocked_terms as string) as string[]),
      membersOnly: row.members_only as boolean | null,
      uniqueChat: row.unique_chat as boolean | null,
      delayS: row.delay_s as number | null,
    });
  };
  return {
    async create(stream) {
      const result = await client.execute(
        "INSERT INTO streams (stream_id, title, started_at, owner_id) VALUES (?, ?, ?, ?) IF NOT EXISTS",
        [stream.streamId, stream.title, stream.startedAt, stream.ownerId ?? null],
        { prepare: true },
      );
      if (!result.wasApplied()) throw new LcError("stream_exists", `stream ${stream.streamId} already exists`);
      return stream;
    },
    async end(streamId, endedAt) {
      // Read first: a conditional UPDATE of a missing row would create it.
      if (!(await get(streamId))) return undefined;
      await client.execute("UPDATE streams SET ended_at = ? WHERE stream_id = ? IF ended_at = null", [endedAt, streamId]);
      return get(streamId);
    },
    async update(streamId, change) {
      if (!(await get(streamId))) return undefined;
      const sets: string[] = [];
      const params: unknown[] = [];
      if (change.pinned !== undefined) {
        sets.push("pinned = ?");
        params.push(change.pinned ? JSON.stringify(change.pinned) : null);
      }
      if (change.slowModeS !== undefined) {
        sets.push("slow_mode_s = ?");
        params.push(change.slowModeS);
      }
      const assignments: [string, unknown][] = [
        ["revision", change.revision],
        ["members_only", change.membersOnly],
        ["unique_chat", change.uniqueChat],
        ["delay_s", change.delayS],
        ["blocked_terms", change.blockedTerms === undefined ? undefined : JSON.stringify(change.blockedTerms)],
      ];
      for (const [column, value] of assignments) {
        if (value === undefined) continue;
        sets.push(`${column} = ?`);
        params.push(value);
      }
      // A set's own addition and removal: two processes naming moderators at once keep both.
      if (change.addModerator !== undefined) {
        sets.push("moderators = moderators + ?");
        params.push([change.addModerator]);
      }
      if (change.removeModerator !== undefined) {
        sets.push("moderators = moderators - ?");
        params.push([change.removeModerator]);
      }
      if (sets.length > 0) await client.execute(`UPDATE streams SET ${sets.join(", ")} WHERE stream_id = ?`, [...params, streamId], { prepare: true });
      return get(streamId);
    },
    get,
    async close() {},
  };
}
