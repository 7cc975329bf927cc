/** What ingest asks the platform's review service about one comment. */
export interface ReviewRequest {
  readonly commentId: string;
  readonly streamId: string;
  readonly userId: string;
  readonly userName: string;
  readonly text: string;
  /** The author's address as ingest sees it; empty when unknown. */
  readonly clientAddress: string;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** The review service's answer; `unspecified` is no verdict at all (a failure of the review). */
export interface ReviewAnswer {
  readonly verdict: "allow" | "hold" | "reject" | "unspecified";
  readonly reason: string;
}

/**
 * The platform's comment review service (CommentReviewService.ReviewComment). An adapter
 * answers the service's verdict, or rejects: when the call fails, when the answer cannot be
 * read, or when `signal` aborts it (the caller's timeout).
 */
export interface CommentReviewer {
  review(request: ReviewRequest, signal: AbortSignal): Promise<ReviewAnswer>;
  close(): Promise<void>;
}
