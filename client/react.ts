// `@livecomments/client/react`: a stream's live comments as React state.
import { useCallback, useEffect, useRef, useState } from "react";
import { CommentPoster } from "./comment-poster.js";
import type { PostExtras, PostedComment } from "./comment-poster.js";
import { LiveFeed } from "./live-feed.js";
import type { ConnectionState, LiveFeedOptions } from "./live-feed.js";
import type { TokenSource, WireComment } from "./wire.js";
import { currentToken } from "./wire.js";

/** Options of {@link useLiveComments}: the live feed's, without its callbacks, and how many comments to keep. */
export interface UseLiveCommentsOptions extends Omit<
  LiveFeedOptions,
  "streamId" | "onComments" | "onStateChange" | "onViewers" | "onDelete" | "onPinned" | "onEnded" | "eventSource" | "visibility"
> {
  /** Most comments held in `comments` (default 200): the oldest leave first, as on any live page. */
  readonly maxComments?: number;
}

/** What {@link useLiveComments} gives a component. */
export interface LiveComments {
  /** The latest comments in order, deleted ones removed, at most `maxComments`. */
  readonly comments: readonly WireComment[];
  readonly state: ConnectionState;
  readonly pinned: WireComment | null;
  /** Viewers across all edges, once the server has told it. */
  readonly viewers: number | undefined;
  /** The stream ended: the feed has closed; show the replay. */
  readonly ended: boolean;
  /** Posts a comment to this stream with the options' token, retried safely (see CommentPoster). */
  post(text: string, extras?: PostExtras): Promise<PostedComment>;
}

/**
 * Follows a stream's live comments while the component is mounted: one LiveFeed per stream,
 * closed on unmount or when the stream or the connection's options change. The token is read
 * from the latest options at every connect and post, so a new token takes effect without a
 * reconnect of its own.
 */
export function useLiveComments(streamId: string, options: UseLiveCommentsOptions): LiveComments {
  const latest = useRef(options);
  latest.current = options;
  const [comments, setComments] = useState<readonly WireComment[]>([]);
  const [state, setState] = useState<ConnectionState>("connecting");
  const [pinned, setPinned] = useState<WireComment | null>(null);
  const [viewers, setViewers] = useState<number | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const { baseUrl, credentials, batchMs, maxRate, history, pauseWhenHidden, reloadWindowMs, rememberIds, fetch } = options;
  const hasToken = options.token !== undefined;

  useEffect(() => {
    setComments([]);
    setPinned(null);
    setViewers(undefined);
    setEnded(false);
    setState("connecting");
    const maxComments = () => latest.current.maxComments ?? 200;
    const feed = new LiveFeed({
      baseUrl,
      streamId,
      credentials,
      batchMs,
      maxRate,
      history,
      pauseWhenHidden,
      reloadWindowMs,
      rememberIds,
      fetch,
      ...(hasToken ? { token: latestToken(latest) } : {}),
      onComments: (fresh, source) =>
        setComments((shown) => {
          const merged = shown.concat(fresh);
          if (source === "reload") merged.sort((a, b) => a.seq - b.seq);
          return merged.length > maxComments() ? merged.slice(merged.length - maxComments()) : merged;
        }),
      onStateChange: setState,
      onViewers: setViewers,
      onDelete: (commentId) => {
        setComments((shown) => shown.filter((comment) => comment.comment_id !== commentId));
        setPinned((current) => (current?.comment_id === commentId ? null : current));
      },
      onPinned: setPinned,
      onEnded: () => setEnded(true),
      onError: (error) => latest.current.onError?.(error),
      onOmitted: (count) => latest.current.onOmitted?.(count),
      onSlowMode: (seconds) => latest.current.onSlowMode?.(seconds),
    });
    return () => feed.close();
  }, [streamId, baseUrl, credentials, batchMs, maxRate, history, pauseWhenHidden, reloadWindowMs, rememberIds, fetch, hasToken]);

  const post = useCallback(
    (text: string, extras?: PostExtras) => {
      const { baseUrl: postTo, credentials: sendCookies, fetch: fetcher, token } = latest.current;
      const poster = new CommentPoster({
        baseUrl: postTo,
        credentials: sendCookies,
        fetch: fetcher,
        ...(token === undefined ? {} : { token: latestToken(latest) }),
      });
      return poster.post(streamId, text, extras);
    },
    [streamId],
  );

  return { comments, state, pinned, viewers, ended, post };
}

/** A token function reading the options of the latest render (which set one). */
function latestToken(latest: { readonly current: { readonly token?: TokenSource } }): () => Promise<string> {
  return async () => (await currentToken(latest.current.token)) ?? "";
}
