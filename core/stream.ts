import type { WireStream } from "../client/shared/wire-types.js";
import type { Comment } from "./comment.js";
import { commentToJson } from "./comment.js";
import { LcError } from "./errors.js";

/** A live stream in the registry. */
export interface Stream {
  readonly streamId: string;
  readonly title: string;
  /** Milliseconds since the Unix epoch; every comment's offsetMs counts from here. */
  readonly startedAt: number;
  /** Set once the stream has ended; an ended stream takes no more comments. */
  readonly endedAt?: number;
  /** The comment moderators pinned, if any. */
  readonly pinned?: Comment;
  /** The shortest interval between two comments of one user, in seconds; 0 or unset: none. */
  readonly slowModeS?: number;
  /** When replays last changed (a deletion), ms since the epoch; replay windows are addressed by it. */
  readonly revision?: number;
  /** Who owns the stream: it names the moderators. Unset for a stream made before owners. */
  readonly ownerId?: string;
  /** The users who moderate this stream (besides its owner and scope comments:moderate). */
  readonly moderators?: readonly string[];
  /** Terms whose comments are held for review (whole words, case-insensitive, after NFKC). */
  readonly blockedTerms?: readonly string[];
  /** Posting needs the token's memberships claim to name the stream (or "*"). */
  readonly membersOnly?: boolean;
  /** The same text within {@link UNIQUE_CHAT_WINDOW_MS} of an accepted one is refused. */
  readonly uniqueChat?: boolean;
  /** Seconds viewers who are not moderators get each comment late. */
  readonly delayS?: number;
}

/** How long unique chat remembers an accepted text. */
export const UNIQUE_CHAT_WINDOW_MS = 30_000;
/** The longest delay a stream may set, in seconds. */
export const MAX_DELAY_S = 10;

/** What a registry keeps of a stream beside its id, title and times; falsy values are left out. */
export interface StreamModeration {
  readonly pinned?: Comment | undefined;
  readonly slowModeS?: number;
  readonly revision?: number;
  readonly ownerId?: string | null | undefined;
  readonly moderators?: readonly string[] | null | undefined;
  readonly blockedTerms?: readonly string[] | null | undefined;
  readonly membersOnly?: boolean | null | undefined;
  readonly uniqueChat?: boolean | null | undefined;
  readonly delayS?: number | null | undefined;
}

/** A stream with its moderation fields, each only when set, as registries read them back. */
export function streamWithModeration(stream: Stream, fields: StreamModeration): Stream {
  const { pinned, slowModeS, revision, ownerId, moderators, blockedTerms, membersOnly, uniqueChat, delayS } = fields;
  return {
    ...stream,
    ...(pinned ? { pinned } : {}),
    ...(slowModeS ? { slowModeS } : {}),
    ...(revision ? { revision } : {}),
    ...(ownerId ? { ownerId } : {}),
    ...(moderators && moderators.length > 0 ? { moderators: [...moderators].sort() } : {}),
    ...(blockedTerms && blockedTerms.length > 0 ? { blockedTerms } : {}),
    ...(membersOnly ? { membersOnly } : {}),
    ...(uniqueChat ? { uniqueChat } : {}),
    ...(delayS ? { delayS } : {}),
  };
}

/** Stream ids as the API fixes them; a UUID fits. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks a stream id taken from a URL path. An id that could never exist is reported as
 * not found, like any other unknown stream.
 */
export function streamIdFromPath(streamId: string | undefined): string {
  if (streamId === undefined || !STREAM_ID_PATTERN.test(streamId)) {
    throw new LcError("stream_not_found", "no such stream");
  }
  return streamId;
}

/** Longest title accepted, in code points. */
export const MAX_TITLE_CODE_POINTS = 200;

/** Throws `invalid_stream_id` unless the id matches {@link STREAM_ID_PATTERN}. */
export function assertStreamId(streamId: string): string {
  if (!STREAM_ID_PATTERN.test(streamId)) {
    throw new LcError("invalid_stream_id", "stream id must match [A-Za-z0-9_-]{1,64}");
  }
  return streamId;
}

/** The JSON shape of a stream on the HTTP API (what `GET` adds is the archive's). */
export type StreamJson = Omit<WireStream, "comment_count" | "caller_rank">;

/** Maps a stream to its HTTP JSON shape. */
export function streamToJson(stream: Stream): StreamJson {
  return {
    stream_id: stream.streamId,
    title: stream.title,
    started_at: stream.startedAt,
    ended_at: stream.endedAt ?? null,
    pinned: stream.pinned ? commentToJson(stream.pinned) : null,
    slow_mode_s: stream.slowModeS ?? 0,
    revision: stream.revision ?? 0,
    owner_id: stream.ownerId ?? null,
    members_only: stream.membersOnly ?? false,
    unique_chat: stream.uniqueChat ?? false,
    delay_s: stream.delayS ?? 0,
  };
}
