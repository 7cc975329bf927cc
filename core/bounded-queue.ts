import { LcError } from "./errors.js";

/**
 * Turns pushed items into batches for an async consumer, with a bounded buffer, for a producer
 * that cannot wait (a relay fanning out) and a consumer that can fall behind (a network
 * stream). Past `limit` waiting items the queue fails with `slow_consumer` instead of growing.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private failure: LcError | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(private readonly limit: number) {}

  /** Adds an item; returns false (and fails the queue) when it is full. */
  push(item: T): boolean {
    if (this.ended || this.failure) return false;
    if (this.items.length >= this.limit) {
      this.fail(new LcError("slow_consumer", "subscriber too slow: its queue is full"));
      return false;
    }
    this.items.push(item);
    this.wake?.();
    return true;
  }

  /** Ends the iteration with an error after nothing more. */
  fail(error: LcError): void {
    this.failure ??= error;
    this.wake?.();
  }

  /** Ends the iteration once the queued items are consumed. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Everything queued since the last batch, as one array per wake-up, until end or failure. */
  async *batches(): AsyncGenerator<T[]> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.items.length > 0) {
        const batch = this.items;
        this.items = [];
        yield batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
