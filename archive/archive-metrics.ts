import { Counter, Histogram } from "prom-client";
import type { Registry } from "../core/metrics.js";
import { LATENCY_BUCKETS, METRIC_PREFIX, cacheLookups, scrapedGauge } from "../core/metrics.js";
import type { ArchiveStatus } from "./archive-writer.js";
import type { PlaybackObserver } from "./playback.js";

/** What the archive reports: its writer's progress (read at scrape time) and playback. */
export class ArchiveMetrics {
  readonly playback: PlaybackObserver;
  private readonly notModified: Counter;

  constructor(registry: Registry, status: () => ArchiveStatus) {
    scrapedGauge(
      registry,
      "archive_lag_comments",
      "Comments in the log the archive's consumer group has not written yet (NaN while unknown).",
      () => status().lagComments ?? NaN,
    );
    scrapedGauge(
      registry,
      "archive_lag_seconds",
      "How long ago the archive last held every accepted comment (NaN while unknown).",
      () => status().lagSeconds ?? NaN,
    );
    let counted = 0;
    new Counter({
      name: `${METRIC_PREFIX}archive_comments_written_total`,
      help: "Comments the archive wrote to its store.",
      registers: [registry],
      collect() {
        const { written } = status();
        this.inc(Math.max(0, written - counted));
        counted = Math.max(counted, written);
      },
    });
    const windows = new Histogram({
      name: `${METRIC_PREFIX}playback_duration_seconds`,
      help: "Time to read one replay window page from the archive.",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.notModified = new Counter({
      name: `${METRIC_PREFIX}playback_not_modified_total`,
      help: "Replay pages answered 304 because the client's copy (If-None-Match) was current.",
      registers: [registry],
    });
    const countLookup = cacheLookups(registry, "comment_count");
    this.playback = { windowServed: (seconds) => windows.observe(seconds), countLookup };
  }

  pageNotModified(): void {
    this.notModified.inc();
  }
}
