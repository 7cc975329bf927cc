import type { IHeaders } from "kafkajs";
import type { LogEvent } from "../../core/log-event.js";
import { commentEvent } from "../../core/log-event.js";
import { decodeLogRecord } from "../../core/log-record.js";

/** The record header holding the traceparent of the post that appended it (W3C Trace Context, as OpenTelemetry's Kafka instrumentations name it). */
export const TRACE_PARENT_HEADER = "traceparent";

/** The traceparent a message's headers carry, if any. */
export function traceParentOf(headers: IHeaders | undefined): string | undefined {
  const value = headers?.[TRACE_PARENT_HEADER];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : String(first);
}

/** First byte of a JSON object: how a record of the JSON version 1 that came before LogRecords starts. */
const JSON_OBJECT_START = 0x7b;

/**
 * Decodes a message value (a LogRecord) into the event placed at `seq`, or undefined for a value
 * that is neither a LogRecord this version can show nor a JSON record of version 1 (another
 * producer's, or a corrupt one), which consumers skip. A LogRecord never starts with `{`: its
 * first byte is the tag of field 1 or 2.
 */
export function decodeKafkaValue(value: Buffer | null, seq: number): LogEvent | undefined {
  if (!value || value.length === 0) return undefined;
  return value[0] === JSON_OBJECT_START ? decodeVersion1(value, seq) : decodeLogRecord(value, seq);
}

/** A comment record as topics written before LogRecords hold it. */
function decodeVersion1(value: Buffer, seq: number): LogEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (r.v !== 1) return undefined;
  const strings = [r.id, r.s, r.u, r.n, r.t];
  const numbers = [r.ts, r.o];
  if (!strings.every((x) => typeof x === "string") || !numbers.every((x) => Number.isSafeInteger(x))) return undefined;
  return commentEvent({
    commentId: r.id as string,
    streamId: r.s as string,
    userId: r.u as string,
    username: r.n as string,
    text: r.t as string,
    serverTs: r.ts as number,
    offsetMs: r.o as number,
    seq,
    ...(typeof r.q === "string" ? { requestId: r.q } : {}),
  });
}
