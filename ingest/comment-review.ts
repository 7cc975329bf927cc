import type { Logger } from "../core/logger.js";
import type { CommentReviewer, ReviewRequest } from "../ports/comment-review/index.js";

/** What a failed review counts as (LC_REVIEW_ON_FAILURE). */
export type ReviewFailurePolicy = "hold" | "allow" | "reject";

/** Why a review failed: no answer in time, an error or unreadable answer, no verdict, or too many in flight. */
export type ReviewFailureCause = "timeout" | "error" | "unspecified" | "overloaded";

/** What becomes of a comment after its review. */
export type ReviewDecision =
  { readonly verdict: "allow" } | { readonly verdict: "hold"; readonly reason: string } | { readonly verdict: "reject"; readonly reason: string };

/** The reason a comment is held when its review failed and the policy holds it. */
export const REVIEW_FAILED_REASON = "review_unavailable";

/** Options of {@link ReviewGate}. */
export interface ReviewGateOptions {
  readonly timeoutMs: number;
  /** Most reviews waiting for an answer at once; past it, a post is handled by the policy at once. */
  readonly maxInFlight: number;
  readonly onFailure: ReviewFailurePolicy;
  readonly logger: Logger;
  /** Told of each review: its verdict (or failure cause) and how long it took. */
  readonly observe?: (outcome: { verdict: ReviewDecision["verdict"]; failure?: ReviewFailureCause; seconds: number }) => void;
}

/** Failures are logged at most this often; the rest are counted. */
const FAILURE_LOG_INTERVAL_MS = 60_000;
/** Longest error message logged from a failed review: the service's answer never fills a log. */
const MAX_LOGGED_ERROR_LENGTH = 200;

/**
 * Asks the platform's review service about a comment, within a time and an in-flight bound:
 * whatever goes wrong (too slow, an error, garbage, too many at once) the post is answered by
 * the failure policy within the timeout, and ingest never waits longer.
 */
export class ReviewGate {
  private inFlight = 0;
  private lastFailureLoggedAt = Number.NEGATIVE_INFINITY;
  private failuresSinceLog = 0;

  constructor(
    private readonly reviewer: CommentReviewer,
    private readonly options: ReviewGateOptions,
  ) {}

  /** Reviews in flight now. */
  get pending(): number {
    return this.inFlight;
  }

  async review(request: ReviewRequest): Promise<ReviewDecision> {
    const started = performance.now();
    if (this.inFlight >= this.options.maxInFlight) return this.failed("overloaded", started, undefined);
    this.inFlight++;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      // An adapter that does not stop at the signal still cannot hold the post past it.
      const answer = await Promise.race([this.reviewer.review(request, signal), rejectedOnAbort(signal)]);
      if (answer.verdict === "unspecified") return this.failed("unspecified", started, undefined);
      const decision: ReviewDecision = answer.verdict === "allow" ? { verdict: "allow" } : { verdict: answer.verdict, reason: answer.reason };
      this.options.observe?.({ verdict: decision.verdict, seconds: (performance.now() - started) / 1000 });
      return decision;
    } catch (error) {
      return this.failed(signal.aborted ? "timeout" : "error", started, error);
    } finally {
      this.inFlight--;
    }
  }

  private failed(cause: ReviewFailureCause, started: number, error: unknown): ReviewDecision {
    const { onFailure, logger } = this.options;
    const decision: ReviewDecision =
      onFailure === "allow"
        ? { verdict: "allow" }
        : { verdict: onFailure, reason: onFailure === "hold" ? REVIEW_FAILED_REASON : "the comment could not be reviewed; try again later" };
    this.options.observe?.({ verdict: decision.verdict, failure: cause, seconds: (performance.now() - started) / 1000 });
    this.failuresSinceLog++;
    const now = Date.now();
    if (now - this.lastFailureLoggedAt >= FAILURE_LOG_INTERVAL_MS) {
      const message = error instanceof Error ? error.message.slice(0, MAX_LOGGED_ERROR_LENGTH) : undefined;
      logger.warn("the review hook failed; posts follow LC_REVIEW_ON_FAILURE", { cause, policy: onFailure, failures: this.failuresSinceLog, error: message });
      this.lastFailureLoggedAt = now;
      this.failuresSinceLog = 0;
    }
    return decision;
  }
}

/** Rejects when the signal aborts. */
function rejectedOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));
}
