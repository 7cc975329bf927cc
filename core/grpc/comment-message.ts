import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Comment } from "../comment.js";
import type { Comment as ProtoComment, CommentSchema } from "../../gen/livecomments/v1/comment_pb.js";
import type { Stream } from "../stream.js";
import type { StreamSchema } from "../../gen/livecomments/v1/stream_service_pb.js";

/** A comment as a protobuf message, ready to be created. */
export type CommentMessage = MessageInitShape<typeof CommentSchema>;

/** A comment as a protobuf message. */
export function commentToMessage(comment: Comment): CommentMessage {
  return {
    commentId: comment.commentId,
    streamId: comment.streamId,
    userId: comment.userId,
    username: comment.username,
    text: comment.text,
    serverTs: BigInt(comment.serverTs),
    offsetMs: BigInt(comment.offsetMs),
    seq: BigInt(comment.seq),
    requestId: comment.requestId ?? "",
  };
}

/** A protobuf comment as the domain type. */
export function commentFromMessage(message: ProtoComment): Comment {
  return {
    commentId: message.commentId,
    streamId: message.streamId,
    userId: message.userId,
    username: message.username,
    text: message.text,
    serverTs: Number(message.serverTs),
    offsetMs: Number(message.offsetMs),
    seq: Number(message.seq),
    ...(message.requestId ? { requestId: message.requestId } : {}),
  };
}

/** A stream as a protobuf message. */
export function streamToMessage(stream: Stream): MessageInitShape<typeof StreamSchema> {
  return {
    streamId: stream.streamId,
    title: stream.title,
    startedAt: BigInt(stream.startedAt),
    ...(stream.endedAt === undefined ? {} : { endedAt: BigInt(stream.endedAt) }),
    ...(stream.pinned ? { pinned: commentToMessage(stream.pinned) } : {}),
    slowModeS: stream.slowModeS ?? 0,
    revision: BigInt(stream.revision ?? 0),
    ownerId: stream.ownerId ?? "",
    membersOnly: stream.membersOnly ?? false,
    uniqueChat: stream.uniqueChat ?? false,
    delayS: stream.delayS ?? 0,
  };
}
