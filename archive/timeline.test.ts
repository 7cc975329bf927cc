import assert from "node:assert/strict";
import { test } from "vitest";
import { buildTimeline, checkBucketSeconds, defaultBucketSeconds, findPeaks } from "./timeline.js";

test("should choose the width that gives about 500 buckets when none is named, and take only the listed widths", () => {
  assert.equal(defaultBucketSeconds(3 * 3600), 30);
  assert.equal(defaultBucketSeconds(3600), 10);
  assert.equal(defaultBucketSeconds(90), 1);
  assert.equal(defaultBucketSeconds(0), 1);
  assert.equal(defaultBucketSeconds(7 * 24 * 3600), 300);
  assert.equal(checkBucketSeconds(60), 60);
  for (const bad of [0, 2, 15, 600, -1, 1.5]) assert.throws(() => checkBucketSeconds(bad), { reason: "invalid_argument" });
  assert.equal(buildTimeline([{ second: 3 * 3600 - 1, count: 1 }], 10).bucketS, 30, "a stream's length reaches its last comment");
});

test("should add each second's count into its bucket, covering the stream's length and any later comment", () => {
  const timeline = buildTimeline(
    [
      { second: 0, count: 2 },
      { second: 9, count: 1 },
      { second: 10, count: 4 },
      { second: 34, count: 1 },
    ],
    25,
    10,
  );
  assert.deepEqual(timeline.counts, [3, 4, 0, 1]);
  assert.equal(timeline.bucketS, 10);
  assert.deepEqual(buildTimeline([], 25, 10).counts, [0, 0, 0]);
  assert.deepEqual(buildTimeline([], 0, 10).counts, []);
});

test("should refuse a width that would give more buckets than an answer holds", () => {
  assert.throws(() => buildTimeline([], 7 * 24 * 3600, 1), { reason: "invalid_argument", message: /wider/ });
});

test("should find a burst at the second it happened, above a steady crowd", () => {
  const counts = Array.from({ length: 600 }, (_, i) => 5 + (i % 3));
  counts[421] = 60;
  counts[422] = 30;
  const peaks = findPeaks(counts, 5);
  assert.deepEqual(peaks, [{ offsetMs: 421 * 5000, count: 60 }]);
});

test("should find no peak in a steady or empty stream", () => {
  assert.deepEqual(findPeaks(new Array(300).fill(8), 1), []);
  assert.deepEqual(findPeaks(new Array(300).fill(0), 1), []);
  assert.deepEqual(findPeaks([1, 2, 1, 0, 2], 1), [], "a rise of fewer than 3 comments is noise");
});

test("should rank peaks by their rise, keep ten, and keep two peaks at least six buckets apart", () => {
  const counts = new Array(1000).fill(2);
  for (let k = 0; k < 14; k++) counts[30 + k * 60] = 10 + k; // rises 8..21
  counts[31] = 9; // the shoulder of the first peak is not a second peak
  const peaks = findPeaks(counts, 1);
  assert.equal(peaks.length, 10);
  assert.deepEqual(
    peaks.map((p) => p.count),
    [23, 22, 21, 20, 19, 18, 17, 16, 15, 14],
  );
  assert.deepEqual(peaks[0], { offsetMs: (30 + 13 * 60) * 1000, count: 23 });
  const tie = new Array(40).fill(1);
  tie[20] = 9;
  tie[23] = 9;
  assert.deepEqual(findPeaks(tie, 1), [{ offsetMs: 20_000, count: 9 }], "an earlier bucket wins a tie within five");
});

test("should need a peak to stand out from a busy neighbourhood by half again", () => {
  const counts = new Array(100).fill(100);
  counts[50] = 140;
  assert.deepEqual(findPeaks(counts, 1), []);
  counts[50] = 150;
  assert.deepEqual(findPeaks(counts, 1), [{ offsetMs: 50_000, count: 150 }]);
});
