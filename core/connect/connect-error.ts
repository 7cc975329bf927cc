import { ConnectError } from "@connectrpc/connect";
import { LcError } from "../errors.js";

/** The one mapping from errors to Connect errors; the code is the same number as in gRPC. */
export function toConnectError(caught: unknown): ConnectError {
  const error = LcError.from(caught);
  const metadata = new Headers({ "lc-error-reason": error.reason });
  if (error.retryAfterMs !== undefined) metadata.set("retry-after-ms", String(error.retryAfterMs));
  return new ConnectError(error.message, error.code, metadata);
}
