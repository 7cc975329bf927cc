// Where the time of a comment goes between the roles, from their debug logs (LC_LOG=debug):
// each role logs a line per comment with the comment id, and pino stamps it with the time.
import { percentile } from "./latency-histogram.js";

/** The per-comment lines of each stage: role, message. */
const STAGES = [
  ["ingest", "comment accepted"],
  ["relay", "comment read from the log"],
  ["edge", "comment received"],
  ["edge", "comment sent"],
] as const;

/** The first time each comment id appears with `msg` in `output` (one JSON object per line). */
function firstTimes(output: string, msg: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const line of output.split("\n")) {
    if (!line.startsWith("{") || !line.includes(msg)) continue;
    const entry = JSON.parse(line) as { msg?: string; commentId?: string; time?: number };
    if (entry.msg === msg && entry.commentId && entry.time !== undefined && !times.has(entry.commentId)) times.set(entry.commentId, entry.time);
  }
  return times;
}

/** A markdown table: per step between stages, how many comments made it and the time taken. */
export function stageTable(outputs: Readonly<Record<string, string>>): string {
  const stages = STAGES.map(([role, msg]) => ({ label: `${role}: ${msg}`, times: firstTimes(outputs[role] ?? "", msg) }));
  const rows = stages.slice(1).map((to, i) => {
    const from = stages[i]!;
    const histogram: number[] = [];
    let reached = 0;
    for (const [id, at] of from.times) {
      const next = to.times.get(id);
      if (next === undefined) continue;
      reached++;
      const ms = Math.max(0, next - at);
      histogram[ms] = (histogram[ms] ?? 0) + 1;
    }
    const dense = Array.from(histogram, (count) => count ?? 0);
    return `| ${from.label} → ${to.label} | ${reached.toLocaleString("en")} of ${from.times.size.toLocaleString("en")} | ${percentile(dense, 0.5)} / ${percentile(dense, 0.9)} / ${percentile(dense, 0.99)} / ${dense.length - 1} |`;
  });
  return ["| step | comments | ms p50 / p90 / p99 / max |", "| --- | --- | --- |", ...rows].join("\n");
}
