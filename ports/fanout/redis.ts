import type { Redis } from "ioredis";
import { Observable, first, of } from "rxjs";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { LogEvent } from "../../core/log-event.js";
import { eventOfSequenced, sequencedRecordOf } from "../../core/log-record.js";
import type { PubSubMessage } from "../../gen/livecomments/v1/log_record_pb.js";
import { PubSubMessageSchema } from "../../gen/livecomments/v1/log_record_pb.js";
import { LcError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { FanoutSource, RelayEvent } from "./index.js";

/** The Pub/Sub channel of a stream, as the seed names it. */
export function channelOf(streamId: string): string {
  return `comments:${streamId}`;
}

/** Live events held for a new subscription while its recent comments are fetched. */
const MAX_PENDING_BEHIND_HISTORY = 10_000;

/** Streams whose last published seq a publisher remembers. */
const MAX_TRACKED_STREAMS = 100_000;

/**
 * The relay's side of the regional Redis tier: each batch from the log becomes one PUBLISH per
 * stream, a PubSubMessage of LogRecords. It never throws: Pub/Sub is fire-and-forget, so a
 * failed publish only makes the next message of that stream carry no `prev_seq`, and the edges
 * catch up from the relay.
 */
export function createRedisFanoutPublisher(redis: Redis, logger: Logger = silentLogger): (batch: readonly LogEvent[]) => Promise<void> {
  const lastPublished = new Map<string, number>();
  return async (batch) => {
    const byStream = new Map<string, LogEvent[]>();
    for (const event of batch) {
      let list = byStream.get(event.streamId);
      if (!list) byStream.set(event.streamId, (list = []));
      list.push(event);
    }
    const pipeline = redis.pipeline();
    const streams = [...byStream.keys()];
    for (const [streamId, events] of byStream) {
      const previous = lastPublished.get(streamId);
      const message = create(PubSubMessageSchema, {
        ...(previous === undefined ? {} : { prevSeq: BigInt(previous) }),
        records: events.map(sequencedRecordOf),
      });
      pipeline.publish(channelOf(streamId), Buffer.from(toBinary(PubSubMessageSchema, message)));
      lastPublished.delete(streamId); // re-inserted below: the Map stays least recently published first
      lastPublished.set(streamId, events[events.length - 1]!.seq);
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
  subscriber.on("messageBuffer", (channelName: Buffer, raw: Buffer) => {
    const channel = channels.get(channelName.toString());
    if (!channel) return;
    let message: PubSubMessage;
    try {
      message = fromBinary(PubSubMessageSchema, raw);
    } catch (error) {
      logger.warn("ignoring a malformed Pub/Sub message", { channel: channelName.toString(), err: error });
      return;
    }
    const records = message.records.filter((r) => Number(r.seq) > channel.lastSeq);
    if (records.length === 0) return; // all seen already (a second relay publishing the same log)
    const seenSome = channel.lastSeq !== Number.MIN_SAFE_INTEGER;
    if (seenSome && (message.prevSeq === undefined || Number(message.prevSeq) > channel.lastSeq)) {
      // A message between what we have and this one may never have arrived: catch up instead.
      return failChannel(channel, new LcError("unavailable", "a Pub/Sub message may have been missed"));
    }
    for (const record of records) {
      channel.lastSeq = Number(record.seq);
      const event = eventOfSequenced(record);
      if (!event) continue; // a kind of record this version cannot show
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

  /**
   * Pub/Sub keeps nothing: the recent comments come from `catchUp` (none without it) while the
   * channel is already subscribed, and live comments they already hold are not sent again.
   */
  const recentThenLive = (streamId: string, history: number) =>
    new Observable<RelayEvent>((observer) => {
      let throughHistory: number | undefined;
      const pending: RelayEvent[] = [];
      const forward = (event: RelayEvent) => {
        if (event.kind !== "comment" || event.seq > throughHistory!) observer.next(event);
      };
      const liveSubscription = live(streamId).subscribe({
        next(event) {
          if (throughHistory !== undefined) return forward(event);
          if (pending.length < MAX_PENDING_BEHIND_HISTORY) pending.push(event);
          else observer.error(new LcError("unavailable", "the recent comments took too long; catching up instead"));
        },
        error: (error: unknown) => observer.error(error),
      });
      const recent: Observable<RelayEvent> = options.catchUp
        ? options.catchUp.subscribe(streamId, undefined, history).pipe(first((event) => event.kind === "history"))
        : of({ kind: "history", comments: [] });
      const historySubscription = recent.subscribe({
        next(event) {
          if (event.kind !== "history") return;
          throughHistory = event.comments.at(-1)?.seq ?? Number.MIN_SAFE_INTEGER;
          observer.next(event);
          for (const waiting of pending.splice(0)) forward(waiting);
        },
        error: (error: unknown) => observer.error(error),
      });
      return () => {
        historySubscription.unsubscribe();
        liveSubscription.unsubscribe();
      };
    });

  return {
    subscribe(streamId, afterSeq, history = 0) {
      if (afterSeq === undefined) return history > 0 ? recentThenLive(streamId, history) : live(streamId);
      if (options.catchUp) return options.catchUp.subscribe(streamId, afterSeq);
      return new Observable<RelayEvent>((observer) => {
        observer.next({ kind: "reset", afterSeq, oldestAvailableSeq: 0 });
        return live(streamId).subscribe(observer);
      });
    },
    close: () => subscriber.disconnect(),
  };
}
