import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { LcError } from "../errors.js";

/** Metadata keys that carry an error's reason and retry time to gRPC clients. */
export const REASON_METADATA_KEY = "lc-error-reason";
export const RETRY_AFTER_METADATA_KEY = "retry-after-ms";

/** The one mapping from errors to gRPC statuses; codes are numbered alike. */
export function toGrpcStatus(caught: unknown): Partial<StatusObject> {
  const error = LcError.from(caught);
  const metadata = new Metadata();
  metadata.set(REASON_METADATA_KEY, error.reason);
  if (error.retryAfterMs !== undefined) metadata.set(RETRY_AFTER_METADATA_KEY, String(error.retryAfterMs));
  return { code: error.code as number, details: error.message, metadata };
}
