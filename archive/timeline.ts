import { LcError } from "../core/errors.js";
import type { SecondCount } from "../ports/archive-store/index.js";
import { MAX_PEAKS, MAX_START_MS, MAX_TIMELINE_BUCKETS, TIMELINE_BUCKET_SECONDS, TIMELINE_TARGET_BUCKETS } from "./defaults.js";

/** A moment where the crowd reacted: the start of a bucket and its count. */
export interface TimelinePeak {
  readonly offsetMs: number;
  readonly count: number;
}

/** A stream's comment counts per bucket of video time, with its peaks. */
export interface Timeline {
  readonly bucketS: number;
  readonly counts: number[];
  readonly peaks: TimelinePeak[];
}

/** A peak holds the most comments of the buckets this many either side of it. */
const PEAK_SEPARATION = 5;
/** Its rise is measured against the median of the buckets this many either side of it. */
const PEAK_NEIGHBOURHOOD = 10;
/** A peak holds at least this many comments more than that median, */
const PEAK_MIN_RISE = 3;
/** and at least this many times it. */
const PEAK_MIN_RATIO = 1.5;

/** Checks a bucket width a request names. */
export function checkBucketSeconds(bucketS: number): number {
  if (!TIMELINE_BUCKET_SECONDS.includes(bucketS)) {
    throw new LcError("invalid_argument", `bucket_s must be one of ${TIMELINE_BUCKET_SECONDS.join(", ")}`);
  }
  return bucketS;
}

/** The width whose number of buckets over `lengthS` seconds is nearest {@link TIMELINE_TARGET_BUCKETS}. */
export function defaultBucketSeconds(lengthS: number): number {
  const distance = (width: number) => Math.abs(Math.ceil(lengthS / width) - TIMELINE_TARGET_BUCKETS);
  return TIMELINE_BUCKET_SECONDS.reduce((best, width) => (distance(width) < distance(best) ? width : best));
}

/**
 * The timeline of a stream `lengthS` seconds long from its per-second counts (in order), in
 * buckets `bucketS` wide (a width {@link checkBucketSeconds} passed) or of the default width. It
 * covers the whole length, and any later second that holds comments, up to a week.
 */
export function buildTimeline(seconds: readonly SecondCount[], lengthS: number, requestedBucketS?: number): Timeline {
  const maxSeconds = MAX_START_MS / 1000;
  const lastSecond = seconds.length > 0 ? seconds[seconds.length - 1]!.second : -1;
  const coveredS = Math.min(Math.max(lengthS, lastSecond + 1), maxSeconds);
  const bucketS = requestedBucketS ?? defaultBucketSeconds(coveredS);
  const buckets = Math.ceil(coveredS / bucketS);
  if (buckets > MAX_TIMELINE_BUCKETS) {
    throw new LcError("invalid_argument", `bucket_s=${bucketS} gives more than ${MAX_TIMELINE_BUCKETS} buckets for this stream; name a wider one`);
  }
  const counts = new Array<number>(buckets).fill(0);
  for (const { second, count } of seconds) {
    if (second < 0 || second >= coveredS) continue;
    counts[Math.floor(second / bucketS)]! += count;
  }
  return { bucketS, counts, peaks: findPeaks(counts, bucketS) };
}

/**
 * The moments where the count rises most above its neighbourhood. A bucket is a peak when it
 * holds the most comments of the {@link PEAK_SEPARATION} buckets either side (an earlier
 * bucket wins a tie), and more than the median of the {@link PEAK_NEIGHBOURHOOD} buckets either
 * side by at least {@link PEAK_MIN_RISE} and by a factor of at least {@link PEAK_MIN_RATIO}.
 * Peaks are ranked by that rise (count minus median), largest first, an earlier one first on
 * a tie; the first {@link MAX_PEAKS} are kept. Each names the start of its bucket.
 */
export function findPeaks(counts: readonly number[], bucketS: number): TimelinePeak[] {
  const candidates: { index: number; rise: number }[] = [];
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count < PEAK_MIN_RISE || !holdsMostAround(counts, i)) continue;
    const neighbours: number[] = [];
    for (let j = Math.max(0, i - PEAK_NEIGHBOURHOOD); j <= Math.min(counts.length - 1, i + PEAK_NEIGHBOURHOOD); j++) {
      if (j !== i) neighbours.push(counts[j]!);
    }
    const baseline = median(neighbours);
    const rise = count - baseline;
    if (rise >= PEAK_MIN_RISE && count >= PEAK_MIN_RATIO * baseline) candidates.push({ index: i, rise });
  }
  candidates.sort((a, b) => b.rise - a.rise || a.index - b.index);
  return candidates.slice(0, MAX_PEAKS).map(({ index }) => ({ offsetMs: index * bucketS * 1000, count: counts[index]! }));
}

function holdsMostAround(counts: readonly number[], i: number): boolean {
  const count = counts[i]!;
  for (let j = Math.max(0, i - PEAK_SEPARATION); j < i; j++) if (counts[j]! >= count) return false;
  for (let j = i + 1; j <= Math.min(counts.length - 1, i + PEAK_SEPARATION); j++) if (counts[j]! > count) return false;
  return true;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}
