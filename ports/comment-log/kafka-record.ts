import type { Comment, CommentRecord } from "../../core/comment.js";

/** Version of the JSON record written to Kafka; readers skip versions they do not know. */
export const RECORD_VERSION = 1;

/** Encodes a record as the Kafka message value. */
export function encodeRecord(record: CommentRecord): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: RECORD_VERSION,
      id: record.commentId,
      s: record.streamId,
      u: record.userId,
      n: record.username,
      t: record.text,
      ts: record.serverTs,
      o: record.offsetMs,
      ...(record.clientTs === undefined ? {} : { c: record.clientTs }),
      ...(record.meta === undefined ? {} : { m: record.meta }),
      ...(record.requestId === undefined ? {} : { q: record.requestId }),
    }),
  );
}

/**
 * Decodes a message value into a comment placed at `seq`, or undefined for a value that is not
 * a record of a known version (another producer's, or a corrupt one), which consumers skip.
 */
export function decodeRecord(value: Buffer | null, seq: number): Comment | undefined {
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (r.v !== RECORD_VERSION) return undefined;
  const strings = [r.id, r.s, r.u, r.n, r.t];
  const numbers = [r.ts, r.o];
  if (!strings.every((x) => typeof x === "string") || !numbers.every((x) => Number.isSafeInteger(x))) return undefined;
  return {
    commentId: r.id as string,
    streamId: r.s as string,
    userId: r.u as string,
    username: r.n as string,
    text: r.t as string,
    serverTs: r.ts as number,
    offsetMs: r.o as number,
    seq,
    ...(typeof r.q === "string" ? { requestId: r.q } : {}),
  };
}
