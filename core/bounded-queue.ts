import { LcError } from "./errors.js";

/**
 * Turns pushed items into an AsyncIterable with a bounded buffer, for a producer that cannot
 * wait (a relay fanning out) and a consumer that can fall behind (a network stream). Past
 * `limit` items the queue fails with `slow_consumer` instead of growing.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private failure: LcError | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(private readonly limit: number) {}

  /** Adds an item; returns false (and fails the queue) when it is full. */
  push(item: T): boolean {
    if (this.ended || this.failure) return false;
    if (this.items.length - this.head >= this.limit) {
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

  /** Like iterating, but hands over everything queued at once, as one array per wake-up. */
  async *batches(): AsyncGenerator<T[]> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.head < this.items.length) {
        const batch = this.items.slice(this.head);
        this.items = [];
        this.head = 0;
        yield batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.head < this.items.length) {
        const item = this.items[this.head]!;
        this.items[this.head++] = undefined as T;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
