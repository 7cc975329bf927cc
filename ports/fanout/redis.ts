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
 * The relay's side of the regional Redis tier: each batch from the log becomes one PUBLISH per
 * stream on `comments:<stream_id>`, whose message is a JSON array of comments in the HTTP
 * API's shape, so any subscriber can read it.
 */
export function createRedisFanoutPublisher(redis: Redis): (batch: readonly Comment[]) => Promise<void> {
  return async (batch) => {
    const byStream = new Map<string, CommentJson[]>();
    for (const comment of batch) {
      let list = byStream.get(comment.streamId);
      if (!list) byStream.set(comment.streamId, (list = []));
      list.push(commentToJson(comment));
    }
    const pipeline = redis.pipeline();
    for (const [streamId, comments] of byStream) pipeline.publish(channelOf(streamId), JSON.stringify(comments));
    await pipeline.exec();
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
 * dedicated connection. Messages a lost connection may have missed cannot be known, so a
 * dropped connection fails every subscription and the edge re-subscribes from its last seq
 * (through `catchUp`). Duplicates (two relays publishing) are dropped by seq.
 */
export function createRedisFanoutSource(subscriber: Redis, options: RedisFanoutSourceOptions = {}): FanoutSource & { close(): void } {
  const logger = options.logger ?? silentLogger;
  const channels = new Map<string, Channel>();

  subscriber.on("message", (channelName: string, message: string) => {
    const channel = channels.get(channelName);
    if (!channel) return;
    let comments: CommentJson[];
    try {
      comments = JSON.parse(message) as CommentJson[];
      if (!Array.isArray(comments)) throw new Error("not an array");
    } catch (error) {
      logger.warn("ignoring a malformed Pub/Sub message", { channel: channelName, err: error });
      return;
    }
    for (const c of comments) {
      if (typeof c?.seq !== "number" || c.seq <= channel.lastSeq) continue;
      channel.lastSeq = c.seq;
      const event: RelayEvent = {
        kind: "comment",
        comment: { commentId: c.comment_id, streamId: c.stream_id, userId: c.user_id, username: c.username, text: c.text, serverTs: c.server_ts, offsetMs: c.offset_ms, seq: c.seq },
      };
      for (const observer of channel.observers) observer(event);
    }
  });
  subscriber.on("close", () => {
    const lost = new LcError("unavailable", "the Redis Pub/Sub connection dropped");
    for (const channel of channels.values()) for (const fail of channel.failures) fail(lost);
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
