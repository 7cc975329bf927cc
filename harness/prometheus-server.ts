// A real Prometheus server (Debian's `prometheus` package, which scripts/ensure-test-programs.mjs
// installs) scraping the processes a test started, with its queries and alerts read back.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { sleep } from "./until.js";

export const PROMETHEUS = process.env.LC_PROMETHEUS ?? "/usr/bin/prometheus";
export const PROMTOOL = process.env.LC_PROMTOOL ?? "/usr/bin/promtool";

/** One query's answer: each series' labels and last value. */
export type QueryResult = { metric: Record<string, string>; value: [number, string] }[];

/** An alert as /api/v1/alerts lists it. */
export interface ActiveAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
}

export interface PrometheusServer {
  readonly url: string;
  query(expr: string): Promise<QueryResult>;
  alerts(): Promise<ActiveAlert[]>;
  /** Waits until every target's last scrape succeeded. */
  waitForTargetsUp(timeoutMs: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus scraping `jobs` (job name to `host:port` targets) every second and
 * evaluating `ruleFiles` every second.
 */
export async function startPrometheus(jobs: Record<string, readonly string[]>, ruleFiles: readonly string[]): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "lc-prometheus-"));
  const port = await freePort();
  const scrapeConfigs = Object.entries(jobs)
    .map(([job, targets]) => `  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]`)
    .join("\n");
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nrule_files: [${ruleFiles.map((f) => `"${f}"`).join(", ")}]\nscrape_configs:\n${scrapeConfigs}\n`,
  );
  let output = "";
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  let ready = false;
  const deadline = Date.now() + 30_000;
  while (!ready) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`prometheus did not get ready:\n${output}`);
    ready = await fetch(`${url}/-/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (!ready) await sleep(200);
  }
  const query = async (expr: string) => (await api<{ result: QueryResult }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
  return {
    url,
    query,
    alerts: async () => (await api<{ alerts: ActiveAlert[] }>("/api/v1/alerts")).alerts,
    async waitForTargetsUp(timeoutMs) {
      const expected = Object.values(jobs).flat().length;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const up = await query("up");
        if (up.length === expected && up.every((series) => series.value[1] === "1")) return;
        if (Date.now() > deadline) throw new Error(`not every target is up: ${JSON.stringify(up)}\n${output}`);
        await sleep(250);
      }
    },
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
