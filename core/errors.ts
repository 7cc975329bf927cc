import { Code } from "@connectrpc/connect";

export { Code };

/**
 * Every failure the system reports to a client, by reason. The reason is the stable string a
 * client sees in `{"error":{"code"}}`; the Code (numbered as in gRPC) is what gRPC and Connect
 * answer. Each protocol maps reasons to its own statuses in exactly one file.
 */
export const ERROR_REASONS = {
  invalid_argument: Code.InvalidArgument,
  invalid_json: Code.InvalidArgument,
  invalid_stream_id: Code.InvalidArgument,
  invalid_pagination_token: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  forbidden: Code.PermissionDenied,
  user_banned: Code.PermissionDenied,
  members_only: Code.PermissionDenied,
  comment_rejected: Code.PermissionDenied,
  not_found: Code.NotFound,
  stream_not_found: Code.NotFound,
  comment_not_found: Code.NotFound,
  held_not_found: Code.NotFound,
  stream_exists: Code.AlreadyExists,
  duplicate_text: Code.AlreadyExists,
  stream_ended: Code.FailedPrecondition,
  idempotency_key_in_use: Code.Aborted,
  payload_too_large: Code.InvalidArgument,
  unsupported_media_type: Code.InvalidArgument,
  headers_too_large: Code.InvalidArgument,
  request_timeout: Code.DeadlineExceeded,
  method_not_allowed: Code.Unimplemented,
  rate_limited: Code.ResourceExhausted,
  slow_mode: Code.ResourceExhausted,
  slow_consumer: Code.ResourceExhausted,
  too_many_connections: Code.ResourceExhausted,
  overloaded: Code.Unavailable,
  log_unavailable: Code.Unavailable,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
} as const satisfies Record<string, Code>;

/** The closed set of reasons a client can see. */
export type ErrorReason = keyof typeof ERROR_REASONS;

/** Options of {@link LcError} beyond reason and message. */
export interface LcErrorOptions {
  /** When the client may retry, for 429 and 503 answers. */
  retryAfterMs?: number;
  /** The underlying failure, for logs only; never sent to a client. */
  cause?: unknown;
}

/** The one error type of the system: a reason from {@link ERROR_REASONS} and a safe message. */
export class LcError extends Error {
  override readonly name = "LcError";
  readonly reason: ErrorReason;
  readonly retryAfterMs: number | undefined;

  constructor(reason: ErrorReason, message: string, options: LcErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The gRPC/Connect code of this error's reason. */
  get code(): Code {
    return ERROR_REASONS[this.reason];
  }

  /**
   * Normalises anything caught into an LcError. Unknown failures become `internal` with a
   * generic message so that no internal detail leaks to a client.
   */
  static from(error: unknown): LcError {
    if (error instanceof LcError) return error;
    return new LcError("internal", "internal error", { cause: error });
  }
}
