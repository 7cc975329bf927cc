import type { ErrorReason } from "../errors.js";
import { Code, ERROR_REASONS, LcError } from "../errors.js";

/** HTTP statuses of reasons whose status is not the usual one for their Code. */
const STATUS_BY_REASON: Partial<Record<ErrorReason, number>> = {
  stream_ended: 409,
  stream_exists: 409,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  request_timeout: 408,
  method_not_allowed: 405,
};

/** HTTP status for each Code, as connect-es maps them. */
const STATUS_BY_CODE: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 412,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/** The one mapping from errors to HTTP statuses. */
export function httpStatusOf(error: LcError): number {
  return STATUS_BY_REASON[error.reason] ?? STATUS_BY_CODE[ERROR_REASONS[error.reason]];
}

/** What an error looks like on HTTP: status, the API's JSON body, and extra headers. */
export interface ErrorAnswer {
  readonly error: LcError;
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The one HTTP form of any failure: `{"error":{"code","message"}}` with its mapped status, and
 * Retry-After (whole seconds, rounded up) when the error says when to retry.
 */
export function errorAnswer(caught: unknown): ErrorAnswer {
  const error = LcError.from(caught);
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  return { error, status: httpStatusOf(error), body: JSON.stringify({ error: { code: error.reason, message: error.message } }), headers };
}
