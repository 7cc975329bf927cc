import type { ApiOptions, WirePostAnswer } from "./wire.js";
import { LiveCommentsError, defaultFetch, errorFromResponse, sendRequest, streamPath } from "./wire.js";

/**
 * The 202 answer to a posted comment: `status` `"published"` with its seq, or `"held"` for
 * review (a blocked term or the platform's review hook) with no seq until a moderator approves it.
 */
export type PostedComment = WirePostAnswer;

/**
 * Options of {@link CommentPoster}. `token` is the poster's JWT, or a function that gives a
 * current one: it is called before each attempt, and asked once more when the API answers 401.
 */
export interface CommentPosterOptions extends ApiOptions {
  /** Attempts per comment, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Longest wait between attempts when the server names none (default 8 s). */
  readonly maxBackoffMs?: number;
  /** Longest Retry-After honoured before giving up on the comment (default 60 s). */
  readonly maxRetryAfterMs?: number;
  /** Waits between attempts; injectable for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What one post may carry besides the text. */
export interface PostExtras {
  readonly clientTs?: number;
  readonly meta?: Record<string, unknown>;
  readonly signal?: AbortSignal;
}

/** Answers worth retrying: the server could not take the comment now, but may soon. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * Posts comments safely under retries: each comment gets one Idempotency-Key, reused by every
 * attempt, so a retry after a lost answer returns the first comment's 202 instead of a second
 * comment. Network errors, 429/502/503/504 and 409 `idempotency_key_in_use` (an earlier attempt
 * is still being written) are retried with backoff, honouring Retry-After; any other refusal is
 * thrown at once as a LiveCommentsError with the API's code.
 */
export class CommentPoster {
  private readonly api: ApiOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly options: CommentPosterOptions) {
    this.api = { ...options, fetch: options.fetch ?? defaultFetch() };
    this.sleep = options.sleep ?? abortableSleep;
  }

  async post(streamId: string, text: string, extras: PostExtras = {}): Promise<PostedComment> {
    const { maxAttempts = 5, maxBackoffMs = 8_000, maxRetryAfterMs = 60_000 } = this.options;
    const idempotencyKey = newIdempotencyKey();
    const body = JSON.stringify({
      text,
      ...(extras.clientTs === undefined ? {} : { client_ts: extras.clientTs }),
      ...(extras.meta === undefined ? {} : { meta: extras.meta }),
    });
    let lastError: LiveCommentsError = new LiveCommentsError("unavailable", "no attempt made");
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let waitMs: number;
      try {
        const response = await sendRequest(this.api, streamPath(streamId, "/comments"), {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
          body,
          ...(extras.signal ? { signal: extras.signal } : {}),
        });
        if (response.ok) return (await response.json()) as PostedComment;
        lastError = await errorFromResponse(response);
        if (!RETRYABLE_STATUS.has(response.status) && lastError.code !== "idempotency_key_in_use") throw lastError;
        const retryAfterMs = retryAfter(response.headers.get("retry-after"));
        if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) throw lastError;
        waitMs = retryAfterMs ?? backoff(attempt, maxBackoffMs);
      } catch (error) {
        if (error instanceof LiveCommentsError) throw error;
        if (extras.signal?.aborted) throw new LiveCommentsError("aborted", "the post was cancelled");
        // fetch rejects only when no answer arrived: the comment may or may not have landed,
        // and the same Idempotency-Key makes the retry safe either way.
        lastError = new LiveCommentsError("network_error", error instanceof Error ? error.message : String(error));
        waitMs = backoff(attempt, maxBackoffMs);
      }
      if (attempt < maxAttempts) await this.sleep(waitMs, extras.signal);
    }
    throw lastError;
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Exponential backoff with full jitter: 250 ms, 500 ms, 1 s... capped. */
function backoff(attempt: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, 250 * 2 ** (attempt - 1));
}

/** A random key; randomUUID exists only in secure contexts, getRandomValues everywhere. */
function newIdempotencyKey(): string {
  if (typeof globalThis.crypto.randomUUID === "function") return globalThis.crypto.randomUUID();
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LiveCommentsError("aborted", "the post was cancelled"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new LiveCommentsError("aborted", "the post was cancelled"));
      },
      { once: true },
    );
  });
}
