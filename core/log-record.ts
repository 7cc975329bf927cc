import type { MessageInitShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { JsonObject } from "@bufbuild/protobuf";
import type { LogRecord, LoggedComment, LoggedCommentSchema, SequencedRecord } from "../gen/livecomments/v1/log_record_pb.js";
import type { CommentRecord } from "./comment.js";
import { LogRecordSchema } from "../gen/livecomments/v1/log_record_pb.js";
import type { SequencedRecordSchema } from "../gen/livecomments/v1/log_record_pb.js";
import { commentFromMessage, commentToMessage } from "./grpc/comment-message.js";
import type { LogEntry, LogEvent } from "./log-event.js";
import type { HeldOutcome } from "./log-event.js";
import { placeEntry, withTraceParent } from "./log-event.js";
import { HeldOutcome as HeldOutcomeMessage } from "../gen/livecomments/v1/log_record_pb.js";

const OUTCOME_MESSAGES: Record<HeldOutcome, HeldOutcomeMessage> = {
  approved: HeldOutcomeMessage.APPROVED,
  denied: HeldOutcomeMessage.DENIED,
  expired: HeldOutcomeMessage.EXPIRED,
};
const OUTCOMES = new Map<HeldOutcomeMessage, HeldOutcome>(Object.entries(OUTCOME_MESSAGES).map(([outcome, message]) => [message, outcome as HeldOutcome]));

/** A comment record as the LoggedComment message a comment or a held record carries. */
function loggedCommentOf(record: CommentRecord): MessageInitShape<typeof LoggedCommentSchema> {
  return {
    comment: commentToMessage({ ...record, seq: 0 }),
    ...(record.clientTs === undefined ? {} : { clientTs: BigInt(record.clientTs) }),
    ...(record.meta === undefined ? {} : { meta: record.meta as JsonObject }),
  };
}

/** A LoggedComment message as the record it carries, or undefined without its body. */
function recordOfLogged(logged: LoggedComment | undefined, streamId: string): CommentRecord | undefined {
  if (!logged?.comment) return undefined;
  return {
    ...commentFromMessage(logged.comment),
    streamId,
    ...(logged.clientTs === undefined ? {} : { clientTs: Number(logged.clientTs) }),
    ...(logged.meta === undefined ? {} : { meta: logged.meta as Record<string, unknown> }),
  };
}

/** A log record as a protobuf message, ready to be created. */
export type LogRecordInit = MessageInitShape<typeof LogRecordSchema>;

/** An entry (or an event, whose seq the record leaves out: it is the record's position) as a LogRecord. */
export function logRecordOf(entry: LogEntry | LogEvent): LogRecordInit {
  const { streamId } = entry;
  switch (entry.kind) {
    case "comment": {
      if ("record" in entry) return { streamId, event: { case: "comment", value: loggedCommentOf(entry.record) } };
      return { streamId, event: { case: "comment", value: { comment: commentToMessage({ ...entry.comment, seq: 0 }) } } };
    }
    case "deletion":
      return {
        streamId,
        event: {
          case: "deletion",
          value: {
            commentId: entry.commentId,
            deletedAt: BigInt(entry.deletedAt),
            offsetMs: BigInt(entry.offsetMs),
            commentSeq: BigInt(entry.commentSeq),
            moderatorId: entry.moderatorId,
          },
        },
      };
    case "pin":
      return {
        streamId,
        event: {
          case: "pin",
          value: {
            ...(entry.comment ? { comment: commentToMessage(entry.comment) } : {}),
            changedAt: BigInt(entry.changedAt),
            moderatorId: entry.moderatorId,
          },
        },
      };
    case "slow_mode":
      return {
        streamId,
        event: { case: "slowMode", value: { slowModeS: entry.slowModeS, changedAt: BigInt(entry.changedAt), moderatorId: entry.moderatorId } },
      };
    case "stream_end":
      return { streamId, event: { case: "streamEnd", value: { endedAt: BigInt(entry.endedAt) } } };
    case "held":
      return { streamId, event: { case: "held", value: { comment: loggedCommentOf(entry.record), reason: entry.reason, heldAt: BigInt(entry.heldAt) } } };
    case "held_resolved":
      return {
        streamId,
        event: {
          case: "heldResolved",
          value: {
            commentId: entry.commentId,
            outcome: OUTCOME_MESSAGES[entry.outcome],
            resolvedAt: BigInt(entry.resolvedAt),
            moderatorId: entry.moderatorId,
            commentSeq: BigInt(entry.commentSeq),
          },
        },
      };
  }
}

/** An entry as the bytes of a LogRecord (the Kafka message value, the embedded log's row). */
export function encodeLogEntry(entry: LogEntry): Uint8Array {
  return toBinary(LogRecordSchema, create(LogRecordSchema, logRecordOf(entry)));
}

/**
 * A LogRecord as the event placed at `seq`, or undefined for one this version cannot show
 * (an event case added later, or a comment without its body): readers skip it.
 */
export function eventOfRecord(record: LogRecord, seq: number): LogEvent | undefined {
  const { streamId, event } = record;
  switch (event.case) {
    case "comment": {
      const comment = event.value.comment;
      if (!comment) return undefined;
      return placeEntry({ kind: "comment", streamId, record: { ...commentFromMessage(comment), streamId } }, seq);
    }
    case "deletion": {
      const d = event.value;
      return {
        kind: "deletion",
        streamId,
        seq,
        commentId: d.commentId,
        deletedAt: Number(d.deletedAt),
        offsetMs: Number(d.offsetMs),
        commentSeq: Number(d.commentSeq),
        moderatorId: d.moderatorId,
      };
    }
    case "pin": {
      const p = event.value;
      return {
        kind: "pin",
        streamId,
        seq,
        comment: p.comment ? commentFromMessage(p.comment) : null,
        changedAt: Number(p.changedAt),
        moderatorId: p.moderatorId,
      };
    }
    case "slowMode":
      return {
        kind: "slow_mode",
        streamId,
        seq,
        slowModeS: event.value.slowModeS,
        changedAt: Number(event.value.changedAt),
        moderatorId: event.value.moderatorId,
      };
    case "streamEnd":
      return { kind: "stream_end", streamId, seq, endedAt: Number(event.value.endedAt) };
    case "held": {
      const record = recordOfLogged(event.value.comment, streamId);
      if (!record) return undefined;
      return { kind: "held", streamId, seq, record, reason: event.value.reason, heldAt: Number(event.value.heldAt) };
    }
    case "heldResolved": {
      const r = event.value;
      const outcome = OUTCOMES.get(r.outcome);
      if (outcome === undefined) return undefined;
      return {
        kind: "held_resolved",
        streamId,
        seq,
        commentId: r.commentId,
        outcome,
        resolvedAt: Number(r.resolvedAt),
        moderatorId: r.moderatorId,
        commentSeq: Number(r.commentSeq),
      };
    }
    default:
      return undefined;
  }
}

/** Decodes LogRecord bytes placed at `seq`; undefined for bytes that are not one this version can show. */
export function decodeLogRecord(bytes: Uint8Array, seq: number): LogEvent | undefined {
  let record: LogRecord;
  try {
    record = fromBinary(LogRecordSchema, bytes);
  } catch {
    return undefined;
  }
  return eventOfRecord(record, seq);
}

/** An event with its seq, as the relay's stream and the Redis tier carry it. */
export function sequencedRecordOf(event: LogEvent): MessageInitShape<typeof SequencedRecordSchema> {
  return { seq: BigInt(event.seq), record: logRecordOf(event), ...(event.traceParent === undefined ? {} : { traceParent: event.traceParent }) };
}

/** A SequencedRecord as the event it carries, or undefined when this version cannot show it. */
export function eventOfSequenced(message: SequencedRecord): LogEvent | undefined {
  const event = message.record ? eventOfRecord(message.record, Number(message.seq)) : undefined;
  return event && withTraceParent(event, message.traceParent);
}
