// @livecomments/client, the browser SDK of Live Comments: live comments over SSE, safe posting,
// replay in sync, moderation. The React hook is the separate entry @livecomments/client/react.
export { CommentPoster } from "./comment-poster.js";
export type { CommentPosterOptions, PostExtras, PostedComment } from "./comment-poster.js";
export { LiveFeed } from "./live-feed.js";
export type { CommentSource, ConnectionState, EventSourceLike, LiveFeedOptions, SseMessage, VisibilityLike } from "./live-feed.js";
export { ModerationClient, canModerate, tokenScopes } from "./moderation-client.js";
export type { HeldQueueHandlers, ModerationClientOptions, StreamModes } from "./moderation-client.js";
export { PlaybackSync } from "./playback-sync.js";
export type { PlaybackSyncOptions, PlayerLike } from "./playback-sync.js";
export { LiveCommentsError, getStream, getTimeline, getWindow } from "./wire.js";
export type {
  ApiOptions,
  Credentials,
  Fetch,
  TimelineOptions,
  TokenSource,
  WireComment,
  WireHeldComment,
  WireHeldResolution,
  WirePostAnswer,
  WireStream,
  WireStreamChange,
  WireStreamRank,
  WireTimeline,
  WireTimelinePeak,
} from "./wire.js";
