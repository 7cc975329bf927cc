import { randomUUID } from "node:crypto";

/** The header (and gRPC metadata key) a request id travels in. */
export const REQUEST_ID_HEADER = "x-request-id";

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is a sane one (1..128 of A-Z a-z 0-9 . _ : -), else a new one. */
export function acceptRequestId(value: string | undefined): string {
  return value !== undefined && VALID_REQUEST_ID.test(value) ? value : randomUUID();
}

const requestIds = new WeakMap<object, string>();

/** Remembers the id of an HTTP request for its handlers and its error log. */
export function tagRequest(request: object, requestId: string): void {
  requestIds.set(request, requestId);
}

/** The id {@link tagRequest} gave the request, if any. */
export function requestIdOf(request: object): string | undefined {
  return requestIds.get(request);
}
