/** What a reservation found. */
export type Reservation = { readonly status: "reserved" } | { readonly status: "pending" } | { readonly status: "done"; readonly value: string };

/**
 * Remembers the answer to a request by key, so that a retried request gets the first answer.
 *
 * Guarantees: `reserve` is atomic per key: of concurrent callers exactly one gets
 * "reserved"; the others see "pending" until `complete` stores the answer ("done") or
 * `release` frees the key. Entries live for `ttlMs`.
 */
export interface IdempotencyStore {
  reserve(key: string, ttlMs: number): Promise<Reservation>;
  complete(key: string, value: string, ttlMs: number): Promise<void>;
  release(key: string): Promise<void>;
  close(): Promise<void>;
}
