import { getTimeline } from "../client/wire.js";
import type { CommentJson } from "../core/comment.js";
import type { ApiClient } from "./http-client.js";
import { sleep } from "./until.js";

/**
 * How a stream's timeline (one-second buckets) differs from the comments the archive holds
 * (their offsets, read through windows), or undefined when it agrees bucket by bucket.
 */
export async function timelineDisagreement(archiveUrl: string, streamId: string, offsets: readonly number[]): Promise<string | undefined> {
  const timeline = await getTimeline({ baseUrl: archiveUrl, fetch }, streamId, { bucketS: 1 });
  const expected = new Map<number, number>();
  for (const offset of offsets) expected.set(Math.floor(offset / 1000), (expected.get(Math.floor(offset / 1000)) ?? 0) + 1);
  const differences: string[] = [];
  const last = Math.max(timeline.counts.length, ...[...expected.keys()].map((second) => second + 1));
  for (let second = 0; second < last; second++) {
    const counted = timeline.counts[second] ?? 0;
    const held = expected.get(second) ?? 0;
    if (counted !== held) differences.push(`second ${second}: timeline ${counted}, archive ${held}`);
  }
  return differences.length === 0 ? undefined : `${streamId}: ${differences.slice(0, 5).join("; ")}${differences.length > 5 ? "; …" : ""}`;
}

/**
 * Waits until the archive holds `count` comments of the stream and its timeline agrees with
 * them (the per-second counts follow the archive's writes), and answers the comments.
 */
export async function timelineAgrees(api: ApiClient, streamId: string, count: number, timeoutMs = 15_000): Promise<CommentJson[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await api.request("GET", `/v1/streams/${streamId}/comments?start_time=0&duration=3600&limit=1000`);
    const comments = (page.json.comments ?? []) as CommentJson[];
    const disagreement =
      comments.length === count
        ? await timelineDisagreement(
            api.urls.archive,
            streamId,
            comments.map((c) => c.offset_ms),
          )
        : `${comments.length}/${count} archived`;
    if (disagreement === undefined) return comments;
    if (Date.now() > deadline) throw new Error(`timeline of ${streamId}: ${disagreement}`);
    await sleep(100);
  }
}
