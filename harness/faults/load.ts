import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { readResponseHead } from "../raw-http.js";
import type { SseEvent } from "../sse-events.js";
import { SseEventReader } from "../sse-events.js";

/** The outcome of one comment the posters sent, after its retries. */
export interface PostOutcome {
  readonly text: string;
  readonly streamId: string;
  /** Set when the comment was answered 202. */
  readonly commentId?: string;
  readonly seq?: number;
  /** Answered 202 held for review: it has no seq until a moderator approves it. */
  readonly held?: boolean;
  /** When the 202 arrived (ms since the epoch). */
  readonly acceptedAt?: number;
}

/** A word every stream of the fault suite blocks: the posts that carry it are held for review. */
export const HELD_MARK = "heldword";

/** Options of {@link Posters}. */
export interface PostersOptions {
  readonly baseUrl: string;
  readonly streams: readonly string[];
  readonly tokens: readonly string[];
  readonly ratePerSec: number;
  /** Most posts in flight; past it a tick sends nothing (counted in `skipped`). */
  readonly maxInFlight: number;
  /** Every this many posts carries {@link HELD_MARK}, so it is held; none when unset. */
  readonly heldEvery?: number;
}

/** Attempts per comment: a client that retries with its Idempotency-Key, as the SDK does. */
const ATTEMPTS = 6;
const ATTEMPT_TIMEOUT_MS = 8_000;

/**
 * Posts comments at a steady rate, each with an Idempotency-Key kept across its retries, the
 * way a careful client does. Every text is unique (`<label>-<n>`), so a comment stored twice
 * shows up as a repeated text.
 */
export class Posters {
  readonly outcomes: PostOutcome[] = [];
  skipped = 0;
  /** How long each attempt took to be answered (or to fail: a timeout counts its full length), in ms. */
  readonly answerMs: number[] = [];
  /** 503 answers without a Retry-After header. */
  refusalsWithoutRetryAfter = 0;
  private inFlight = 0;
  private counter = 0;
  private timer: NodeJS.Timeout | undefined;
  private label = "";
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: PostersOptions) {}

  /** Starts posting texts `<label>-<n>`. */
  start(label: string): void {
    this.label = label;
    const tickMs = 20;
    let credit = 0;
    this.timer = setInterval(() => {
      credit += (this.options.ratePerSec * tickMs) / 1000;
      for (; credit >= 1; credit--) {
        if (this.inFlight >= this.options.maxInFlight) {
          this.skipped++;
          continue;
        }
        const post = this.post(this.counter++);
        this.pending.add(post);
        void post.finally(() => this.pending.delete(post));
      }
    }, tickMs);
  }

  /** Stops sending and waits for the posts in flight to end. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.pending]);
  }

  private async post(n: number): Promise<void> {
    this.inFlight++;
    const { baseUrl, streams, tokens } = this.options;
    const streamId = streams[n % streams.length]!;
    const { heldEvery } = this.options;
    const text = heldEvery !== undefined && n % heldEvery === 0 ? `${this.label}-${n} ${HELD_MARK}` : `${this.label}-${n}`;
    const key = randomUUID();
    try {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        let waitMs = 250 * attempt;
        const sentAt = Date.now();
        let answered = false;
        try {
          const response = await fetch(`${baseUrl}/v1/streams/${streamId}/comments`, {
            method: "POST",
            headers: { authorization: `Bearer ${tokens[n % tokens.length]}`, "content-type": "application/json", "idempotency-key": key },
            body: JSON.stringify({ text }),
            signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
          });
          this.answerMs.push(Date.now() - sentAt);
          answered = true;
          const body = (await response.json()) as { comment_id?: string; seq?: number; status?: string; error?: { code?: string } };
          if (response.status === 202) {
            const acceptedAt = Date.now();
            if (body.status === "held") this.outcomes.push({ text, streamId, commentId: body.comment_id!, held: true, acceptedAt });
            else this.outcomes.push({ text, streamId, commentId: body.comment_id!, seq: body.seq!, acceptedAt });
            return;
          }
          const retryAfter = response.headers.get("retry-after");
          if (response.status === 503 && retryAfter === null) this.refusalsWithoutRetryAfter++;
          // 409 idempotency_key_in_use: an earlier attempt with this key is still being appended.
          const inProgress = response.status === 409 && body.error?.code === "idempotency_key_in_use";
          if (response.status !== 503 && response.status !== 429 && !inProgress) break;
          waitMs = Math.min(2_000, Number(retryAfter ?? 1) * 1000);
        } catch {
          // no answer: the comment may have landed; the same key makes the retry safe
          if (!answered) this.answerMs.push(Date.now() - sentAt);
        }
        if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
      this.outcomes.push({ text, streamId });
    } finally {
      this.inFlight--;
    }
  }
}

/** One SSE viewer on a raw socket that resumes with Last-Event-ID whenever it is cut off. */
export class Viewer {
  /** Seqs received since the last `clear`, in arrival order. */
  seqs: number[] = [];
  /** Texts carrying {@link HELD_MARK} received since the last `clear`: held comments, once approved. */
  heldTexts: string[] = [];
  /** When each comment since the last `clear` arrived (ms since the epoch), by its text. */
  arrivals = new Map<string, number>();
  resets = 0;
  reconnects = 0;
  open = false;
  lastSeenAt = 0;
  private lastEventId: string | undefined;
  private socket: Socket | undefined;
  private closed = false;
  /** The response head while it is still arriving. */
  private head: Buffer | undefined;
  private readonly events = new SseEventReader((event) => this.onEvent(event));

  constructor(
    readonly streamId: string,
    private readonly edge: { readonly host: string; readonly port: number; readonly localAddress?: string | undefined },
  ) {
    this.connect();
  }

  clear(): void {
    this.seqs = [];
    this.heldTexts = [];
    this.arrivals = new Map();
    this.resets = 0;
  }

  get lastSeq(): number | undefined {
    return this.lastEventId === undefined ? undefined : Number(this.lastEventId);
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }

  private connect(): void {
    if (this.closed) return;
    this.head = Buffer.alloc(0);
    this.events.reset();
    const { host, port, localAddress } = this.edge;
    const socket = connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("connect", () => {
      const resume = this.lastEventId === undefined ? "" : `Last-Event-ID: ${this.lastEventId}\r\n`;
      socket.write(`GET /v1/streams/${this.streamId}/comments/subscribe?max_rate=1000 HTTP/1.1\r\nHost: ${host}\r\n${resume}\r\n`);
    });
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    const again = () => {
      if (this.socket !== socket) return;
      this.open = false;
      this.socket = undefined;
      socket.destroy();
      if (this.closed) return;
      this.reconnects++;
      setTimeout(() => this.connect(), 300 + Math.random() * 700);
    };
    socket.on("close", again);
    socket.on("error", again);
  }

  private onData(chunk: Buffer): void {
    if (this.head) {
      this.head = Buffer.concat([this.head, chunk]);
      const head = readResponseHead(this.head);
      if (!head) return;
      if (head.status !== 200) {
        this.socket?.destroy(); // 404 while a registry is down, 503, 429: try again
        return;
      }
      this.open = true;
      chunk = this.head.subarray(head.bodyStart);
      this.head = undefined;
    }
    this.events.feed(chunk);
  }

  private onEvent({ type, data, id }: SseEvent): void {
    if (type === "comments" || type === "new_comment") {
      const comments = (type === "comments" ? JSON.parse(data) : [JSON.parse(data)]) as { seq: number; text: string }[];
      const now = Date.now();
      for (const comment of comments) {
        this.seqs.push(comment.seq);
        this.arrivals.set(comment.text, now);
        if (comment.text.includes(HELD_MARK)) this.heldTexts.push(comment.text);
      }
      this.lastSeenAt = Date.now();
    } else if (type === "reset") {
      this.resets++;
    }
    if (id !== undefined) this.lastEventId = id;
  }
}
