import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { LcError } from "../core/errors.js";
import type { LogEvent } from "../core/log-event.js";
import { sequencedRecordOf } from "../core/log-record.js";
import type { Logger } from "../core/logger.js";
import type { SubscribeAllResponseSchema } from "../gen/livecomments/v1/fanout_relay_pb.js";
import type { CommentLog, Consumption, LogPosition } from "../ports/comment-log/index.js";
import { decodeFirehoseCursor, encodeFirehoseCursor } from "./firehose-cursor.js";
import { DEFAULT_FIREHOSE_MAX_SUBSCRIBERS, DEFAULT_FIREHOSE_QUEUE, DEFAULT_FIREHOSE_STALL_MS } from "./defaults.js";

/** Most records in one SubscribeAll message (whole log batches are never split, so one may hold more). */
const MAX_MESSAGE_RECORDS = 1_000;

type SubscribeAllResponseInit = MessageInitShape<typeof SubscribeAllResponseSchema>;

/** Limits of the firehose. */
export interface FirehoseOptions {
  /** Subscriptions at once: each is a reader of the whole log. */
  readonly maxSubscribers?: number;
  /** Records read ahead for one subscriber; past it the log reader waits for the subscriber. */
  readonly queueLimit?: number;
  /** How long a full queue may wait for its subscriber to read before the call is cut off. */
  readonly stallMs?: number;
  readonly logger: Logger;
}

interface FirehoseBatch {
  readonly records: readonly LogEvent[];
  /** The position once these records are handled. */
  readonly after: LogPosition;
}

/**
 * Between a reader of the log and one subscriber: batches wait here, up to a bound in records,
 * then the reader waits (the log is durable, so a subscriber catching up from an old cursor is
 * held back rather than cut off). A subscriber that takes nothing for `stallMs` while the queue
 * is full fails it with `slow_consumer`, which frees its reader.
 */
export class FirehoseQueue {
  private readonly waiting: FirehoseBatch[] = [];
  private size = 0;
  private ended = false;
  private failure: LcError | undefined;
  private wake: (() => void) | undefined;
  private room: (() => void) | undefined;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limit: number,
    private readonly stallMs: number,
    private readonly onFailure: (error: LcError) => void,
  ) {}

  /** Queues a batch; resolves once there is room for the next (at once unless the queue is full). */
  put(records: readonly LogEvent[], after: LogPosition): Promise<void> {
    if (this.ended || this.failure) return Promise.resolve();
    this.waiting.push({ records, after });
    this.size += records.length;
    this.wake?.();
    if (this.size < this.limit) return Promise.resolve();
    this.armStallTimer();
    return new Promise<void>((resolve) => (this.room = resolve));
  }

  /** Ends the iteration and lets a waiting reader go. */
  end(): void {
    this.ended = true;
    this.releaseReader();
    this.wake?.();
  }

  /** The queued batches, merged into messages of whole batches, until end or failure. */
  async *messages(): AsyncGenerator<FirehoseBatch> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.ended) return;
      const next = this.take();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private take(): FirehoseBatch | undefined {
    const first = this.waiting.shift();
    if (!first) return undefined;
    let records = first.records;
    let after = first.after;
    while (this.waiting.length > 0 && records.length + this.waiting[0]!.records.length <= MAX_MESSAGE_RECORDS) {
      const batch = this.waiting.shift()!;
      records = records.concat(batch.records);
      after = batch.after;
    }
    this.size -= records.length;
    if (this.size < this.limit) this.releaseReader();
    else if (this.room) this.armStallTimer(); // the subscriber reads: its allowance starts again
    return { records, after };
  }

  private armStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.failure = new LcError("slow_consumer", `firehose subscriber read nothing for ${this.stallMs} ms with ${this.size} records waiting`);
      this.releaseReader();
      this.onFailure(this.failure);
      this.wake?.();
    }, this.stallMs);
  }

  private releaseReader(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    const room = this.room;
    this.room = undefined;
    room?.();
  }
}

/**
 * Serves SubscribeAll: each subscription reads the log itself from its cursor (or the log's
 * end), so its cursor is a position in the log and resuming from it misses nothing and repeats
 * nothing, whatever the relay held in memory meanwhile.
 */
export class Firehose {
  private subscribers = 0;
  private stalled = 0;
  private readonly maxSubscribers: number;
  private readonly queueLimit: number;
  private readonly stallMs: number;

  constructor(
    private readonly log: CommentLog,
    private readonly options: FirehoseOptions,
  ) {
    this.maxSubscribers = options.maxSubscribers ?? DEFAULT_FIREHOSE_MAX_SUBSCRIBERS;
    this.queueLimit = options.queueLimit ?? DEFAULT_FIREHOSE_QUEUE;
    this.stallMs = options.stallMs ?? DEFAULT_FIREHOSE_STALL_MS;
  }

  /** Subscriptions open now. */
  get subscriberCount(): number {
    return this.subscribers;
  }

  /** Subscriptions ended so far for reading nothing for `stallMs` while their queue was full. */
  get stalledCount(): number {
    return this.stalled;
  }

  /** The messages of one subscription, until `signal` aborts or the subscriber falls behind (`fail`). */
  async *subscribe(cursor: string | undefined, signal: AbortSignal, fail: (error: LcError) => void): AsyncGenerator<SubscribeAllResponseInit> {
    const from = cursor ? { at: decodeFirehoseCursor(this.log.id, cursor) } : ("latest" as const);
    if (this.subscribers >= this.maxSubscribers) {
      throw new LcError("too_many_connections", `the relay serves at most ${this.maxSubscribers} firehose subscriptions at once`, { retryAfterMs: 5_000 });
    }
    this.subscribers++;
    const queue = new FirehoseQueue(this.queueLimit, this.stallMs, (error) => {
      this.stalled++;
      fail(error);
    });
    const abort = () => queue.end();
    signal.addEventListener("abort", abort, { once: true });
    let consumption: Consumption | undefined;
    try {
      consumption = await this.log.consume({ group: `firehose-${randomUUID()}`, from, commit: false }, (records, after) => queue.put(records, after));
      if (signal.aborted) return;
      const { logger } = this.options;
      if (consumption.skipped > 0) logger.warn("firehose cursor older than the log: records skipped", { skipped: consumption.skipped });
      yield { cursor: encodeFirehoseCursor(this.log.id, consumption.start), skipped: BigInt(consumption.skipped) };
      for await (const { records, after } of queue.messages()) {
        yield { records: records.map(sequencedRecordOf), cursor: encodeFirehoseCursor(this.log.id, after) };
      }
    } finally {
      signal.removeEventListener("abort", abort);
      queue.end();
      this.subscribers--;
      await consumption?.stop();
    }
  }
}
