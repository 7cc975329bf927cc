import type cassandra from "cassandra-driver";
import { LcError } from "../../core/errors.js";
import type { Stream } from "../../core/stream.js";
import type { StreamRegistry } from "./index.js";

/** The stream registry on Cassandra; creation and ending use lightweight transactions. */
export async function createCassandraStreamRegistry(client: cassandra.Client): Promise<StreamRegistry> {
  await client.execute("CREATE TABLE IF NOT EXISTS streams (stream_id text PRIMARY KEY, title text, started_at bigint, ended_at bigint)");
  const select = "SELECT stream_id, title, started_at, ended_at FROM streams WHERE stream_id = ?";
  const get = async (streamId: string): Promise<Stream | undefined> => {
    const row = (await client.execute(select, [streamId])).first();
    if (!row) return undefined;
    const stream = { streamId: row.stream_id as string, title: (row.title as string | null) ?? "", startedAt: Number(row.started_at) };
    return row.ended_at === null ? stream : { ...stream, endedAt: Number(row.ended_at) };
  };
  return {
    async create(stream) {
      const result = await client.execute("INSERT INTO streams (stream_id, title, started_at) VALUES (?, ?, ?) IF NOT EXISTS", [
        stream.streamId,
        stream.title,
        stream.startedAt,
      ]);
      if (!result.wasApplied()) throw new LcError("stream_exists", `stream ${stream.streamId} already exists`);
      return stream;
    },
    async end(streamId, endedAt) {
      // Read first: a conditional UPDATE of a missing row would create it.
      if (!(await get(streamId))) return undefined;
      await client.execute("UPDATE streams SET ended_at = ? WHERE stream_id = ? IF ended_at = null", [endedAt, streamId]);
      return get(streamId);
    },
    get,
    async close() {},
  };
}
