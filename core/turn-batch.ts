/**
 * Gathers the calls made during one turn of the event loop and hands them to `run` together,
 * at most `maxBatch` at a time: many concurrent requests' checks against a shared store then
 * cost one round trip and one script run instead of one each. `run` answers one result per
 * item, in order; when it throws, every item of that batch rejects with the error.
 */
export class TurnBatch<Item, Result> {
  private waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: readonly Item[]) => Promise<readonly Result[]>,
    private readonly maxBatch: number,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: the batch then holds every request this turn's I/O brought.
        setImmediate(() => this.flush());
      }
    });
  }

  private async settle(items: readonly Item[]): Promise<readonly Result[]> {
    const results = await this.run(items);
    if (results.length !== items.length) throw new Error(`a batch of ${items.length} got ${results.length} results`);
    return results;
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (let start = 0; start < waiting.length; start += this.maxBatch) {
      const batch = waiting.slice(start, start + this.maxBatch);
      this.settle(batch.map((w) => w.item)).then(
        (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      );
    }
  }
}
