import type { Redis } from "ioredis";
import { Observable } from "rxjs";
import type { Comment, CommentJson } from "../../core/comment.js";
import { commentToJson } from "../../core/comment.js";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { FanoutSource, RelayEvent } from "./index.js";

/** The Pub/Sub channel of a stream, as the seed names it. */
export function channelOf(streamId: string): string {
  return `comments:${streamId}`;
}

/**
 * A message on `comments:<stream_id>`: the comments in the HTTP API's shape, and the seq of
 * the comment this publisher sent on the channel just before them (null when it does not
 * know), so a subscriber can tell a message it missed from a gap in seq, which is normal.
 */
export interface PubSubMessage {
  readonly prev_seq: number | null;
  /** Comments as the HTTP API shows them, plus the id of the request that posted each. */
  readonly comments: (CommentJson & { request_id?: string })[];
}

/** Streams whose last published seq a publisher remembers. */
const MAX_TRACKED_STREAMS = 100_000;

/**
 * The relay's side of the regional Redis tier: each batch from the log becomes one PUBLISH per
 * stream. It never throws: Pub/Sub is fire-and-forget, so a failed publish only makes the
 * next message of that stream say `prev_seq: null`, and the edges catch up from the relay.
 */
export function createRedisFanoutPublisher(redis: Redis, logger: Logger = silentLogger): (batch: readonly Comment[]) => Promise<void> {
  const lastPublished = new Map<string, number>();
  return async (batch) => {
    const byStream = new Map<string, PubSubMessage["comments"]>();
    for (const comment of batch) {
      let list = byStream.get(comment.streamId);
      if (!list) byStream.set(comment.streamId, (list = []));
      list.push(comment.requestId === undefined ? commentToJson(comment) : { ...commentToJson(comment), request_id: comment.requestId });
    }
    const pipeline = redis.pipeline();
    const streams = [...byStream.keys()];
    for (const [streamId, comments] of byStream) {
      const message: PubSubMessage = { prev_seq: lastPublished.get(streamId) ?? null, comments };
      pipeline.publish(channelOf(streamId), JSON.stringify(message));
      lastPublished.delete(streamId); // re-inserted below: the Map stays least recently published first
      lastPublished.set(streamId, comments[comments.length - 1]!.seq);
    }
    while (lastPublished.size > MAX_TRACKED_STREAMS) lastPublished.delete(lastPublished.keys().next().value!);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      results = streams.map(() => [error as Error, null]);
    }
    (results ?? []).forEach(([error], i) => {
      if (!error) return;
      lastPublished.delete(streams[i]!);
      logger.warn("Redis PUBLISH failed; edges will catch up from the relay", { streamId: streams[i], err: error });
    });
  };
}

/** Options of {@link createRedisFanoutSource}. */
export interface RedisFanoutSourceOptions {
  /**
   * Where resuming viewers catch up (the relay over gRPC): Pub/Sub keeps no history. Without
   * it, a resume gets a reset and then live comments.
   */
  readonly catchUp?: FanoutSource;
  readonly logger?: Logger;
}

interface Channel {
  readonly observers: Set<(event: RelayEvent) => void>;
  readonly failures: Set<(error: unknown) => void>;
  lastSeq: number;
}

/**
 * The edge's side of the Redis tier: one SUBSCRIBE per stream with viewers on this edge, on a
 * dedicated connection. A gap is never silent: a dropped connection, or a message whose
 * `prev_seq` is not the last seq seen, fails the stream's subscriptions, and the edge
 * re-subscribes from its last seq (through `catchUp`). Duplicates (two relays publishing the
 * same log) are dropped by seq.
 */
export function createRedisFanoutSource(subscriber: Redis, options: RedisFanoutSourceOptions = {}): FanoutSource & { close(): void } {
  const logger = options.logger ?? silentLogger;
  const channels = new Map<string, Channel>();

  const failChannel = (channel: Channel, error: LcError) => {
    for (const fail of [...channel.failures]) fail(error);
  };
  subscriber.on("message", (channelName: string, raw: string) => {
    const channel = channels.get(channelName);
    if (!channel) return;
    let message: PubSubMessage;
    try {
      message = JSON.parse(raw) as PubSubMessage;
      if (!Array.isArray(message.comments)) throw new Error("no comments array");
    } catch (error) {
      logger.warn("ignoring a malformed Pub/Sub message", { channel: channelName, err: error });
      return;
    }
    const comments = message.comments.filter((c) => typeof c?.seq === "number" && c.seq > channel.lastSeq);
    if (comments.length === 0) return; // all seen already (a second relay publishing the same log)
    const seenSome = channel.lastSeq !== Number.MIN_SAFE_INTEGER;
    if (seenSome && (message.prev_seq === null || message.prev_seq > channel.lastSeq)) {
      // A message between what we have and this one may never have arrived: catch up instead.
      return failChannel(channel, new LcError("unavailable", "a Pub/Sub message may have been missed"));
    }
    for (const c of comments) {
      channel.lastSeq = c.seq;
      const event: RelayEvent = {
        kind: "comment",
        comment: {
          commentId: c.comment_id,
          streamId: c.stream_id,
          userId: c.user_id,
          username: c.username,
          text: c.text,
          serverTs: c.server_ts,
          offsetMs: c.offset_ms,
          seq: c.seq,
          ...(typeof c.request_id === "string" ? { requestId: c.request_id } : {}),
        },
      };
      for (const observer of channel.observers) observer(event);
    }
  });
  subscriber.on("close", () => {
    const lost = new LcError("unavailable", "the Redis Pub/Sub connection dropped");
    for (const channel of channels.values()) failChannel(channel, lost);
  });

  const live = (streamId: string) =>
    new Observable<RelayEvent>((observer) => {
      const name = channelOf(streamId);
      let channel = channels.get(name);
      if (!channel) {
        channels.set(name, (channel = { observers: new Set(), failures: new Set(), lastSeq: Number.MIN_SAFE_INTEGER }));
        subscriber.subscribe(name).catch((error: unknown) => observer.error(new LcError("unavailable", "Redis SUBSCRIBE failed", { cause: error })));
      }
      const next = (event: RelayEvent) => observer.next(event);
      const fail = (error: unknown) => observer.error(error);
      channel.observers.add(next);
      channel.failures.add(fail);
      return () => {
        channel.observers.delete(next);
        channel.failures.delete(fail);
        if (channel.observers.size === 0) {
          channels.delete(name);
          subscriber.unsubscribe(name).catch(() => {});
        }
      };
    });

  return {
    subscribe(streamId, afterSeq) {
      if (afterSeq === undefined) return live(streamId);
      if (options.catchUp) return options.catchUp.subscribe(streamId, afterSeq);
      return new Observable<RelayEvent>((observer) => {
        observer.next({ kind: "reset", afterSeq, oldestAvailableSeq: 0 });
        return live(streamId).subscribe(observer);
      });
    },
    close: () => subscriber.disconnect(),
  };
}
