/** Latencies in whole milliseconds up to a minute; anything slower counts in the last bucket. */
export const HISTOGRAM_BUCKETS = 60_001;

/** Adds one latency to a histogram. */
export function record(histogram: Uint32Array, latencyMs: number): void {
  histogram[Math.max(0, Math.min(HISTOGRAM_BUCKETS - 1, Math.round(latencyMs)))]!++;
}

/** The value below which `fraction` of the recorded latencies fall. */
export function percentile(histogram: ArrayLike<number>, fraction: number): number {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i]!;
  if (total === 0) return NaN;
  const target = Math.ceil(total * fraction);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= target) return i;
  }
  return histogram.length - 1;
}

/** The sum of several histograms (of several swarm processes). */
export function mergeHistograms(histograms: readonly ArrayLike<number>[]): number[] {
  const merged = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
  for (const histogram of histograms) for (let i = 0; i < histogram.length; i++) merged[i]! += histogram[i]!;
  return merged;
}
