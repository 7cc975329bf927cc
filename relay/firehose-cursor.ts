import { LcError } from "../core/errors.js";
import type { LogPosition } from "../ports/comment-log/index.js";

/** Longest cursor accepted: a position in a few thousand partitions. */
export const MAX_CURSOR_LENGTH = 64 * 1024;
/** Most partitions a cursor may name. */
const MAX_CURSOR_PARTITIONS = 4_096;

interface CursorBody {
  /** The log the position is in (CommentLog.id). */
  readonly l: string;
  /** [partition, next offset] pairs. */
  readonly p: readonly (readonly [number, number])[];
}

/** A position in the log `logId` as the opaque token SubscribeAll hands out. */
export function encodeFirehoseCursor(logId: string, position: LogPosition): string {
  const body: CursorBody = { l: logId, p: [...position].sort((a, b) => a[0] - b[0]) };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/** The position a cursor holds; `invalid_argument` for anything but a cursor of the log `logId`. */
export function decodeFirehoseCursor(logId: string, cursor: string): LogPosition {
  const invalid = (why: string) => new LcError("invalid_argument", `invalid cursor: ${why}`);
  if (cursor.length > MAX_CURSOR_LENGTH) throw invalid("too long");
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid("not a token SubscribeAll handed out");
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("not a token SubscribeAll handed out");
  }
  if (typeof body !== "object" || body === null || !Array.isArray((body as CursorBody).p) || typeof (body as CursorBody).l !== "string") {
    throw invalid("not a token SubscribeAll handed out");
  }
  const { l, p } = body as CursorBody;
  if (l !== logId) throw invalid(`it is a position in another log (${l.slice(0, 64)}), not in ${logId}`);
  if (p.length > MAX_CURSOR_PARTITIONS) throw invalid("too many partitions");
  const position = new Map<number, number>();
  for (const pair of p as readonly unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw invalid("malformed position");
    const [partition, offset] = pair as unknown[];
    if (!isCount(partition) || !isCount(offset) || position.has(partition)) throw invalid("malformed position");
    position.set(partition, offset);
  }
  return position;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
