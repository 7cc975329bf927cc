import { randomUUID } from "node:crypto";
import type { Logger } from "../core/logger.js";
import type { ViewerCounts } from "../ports/viewer-count/index.js";
import { formatSseEvent } from "./sse-format.js";
import type { Viewers } from "./viewers.js";

/**
 * Every interval: reports this edge's viewers per stream, reads the totals across all edges,
 * and sends a stream's viewers a `viewers` event, serialised once per stream, when the total
 * changed (and to viewers who have not had one yet): an audience at rest costs no writes. The
 * totals are kept to answer `GET /v1/streams/{id}/viewers` without asking the store each time.
 */
export class ViewerCountReporter {
  readonly edgeId = randomUUID();
  private readonly latest = new Map<string, { count: number; at: number }>();
  /** The count last sent to each stream's viewers on this edge. */
  private readonly told = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly viewers: Viewers,
    private readonly counts: ViewerCounts,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round: report, read the totals, tell the viewers. */
  async tick(): Promise<void> {
    try {
      const local = this.viewers.counts();
      await this.counts.report(this.edgeId, local, this.intervalMs * 3);
      const totals = await this.counts.totals([...local.keys()]);
      const at = Date.now();
      for (const [streamId, count] of totals) {
        this.latest.set(streamId, { count, at });
        this.viewers.tellCount(streamId, Buffer.from(formatSseEvent({ event: "viewers", data: JSON.stringify({ count }) })), this.told.get(streamId) !== count);
        this.told.set(streamId, count);
      }
      for (const streamId of this.told.keys()) if (!local.has(streamId)) this.told.delete(streamId);
      for (const [streamId, entry] of this.latest) if (at - entry.at > this.intervalMs * 3) this.latest.delete(streamId);
    } catch (error) {
      this.logger.warn("viewer count round failed", { err: error });
    }
  }

  /** The total viewers of a stream, at most an interval old. */
  async total(streamId: string): Promise<number> {
    const cached = this.latest.get(streamId);
    if (cached && Date.now() - cached.at <= this.intervalMs) return cached.count;
    const count = (await this.counts.totals([streamId])).get(streamId) ?? 0;
    this.latest.set(streamId, { count, at: Date.now() });
    return count;
  }
}
