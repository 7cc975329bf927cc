// The dashboard and the alert rules against a real Prometheus (Debian's package) scraping the
// distributed mode under a small load: promtool checks the rules and runs their unit tests,
// every query of deploy/grafana/livecomments.json returns data, and an alert fires when its
// condition is made true (the archive stopped with SIGSTOP while comments keep coming).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDistributedSystem } from "../harness/distributed-system.js";
import type { DistributedSystem } from "../harness/distributed-system.js";
import { healthStatus } from "../harness/grpc-introspection-client.js";
import { ApiClient } from "../harness/http-client.js";
import { PROJECT_ROOT } from "../harness/project-root.js";
import { PROMTOOL, startPrometheus } from "../harness/prometheus-server.js";
import type { PrometheusServer } from "../harness/prometheus-server.js";
import { SseRecorder } from "../harness/sse-client.js";
import { sleep } from "../harness/until.js";

const run = promisify(execFile);
const RULES = join(PROJECT_ROOT, "deploy", "prometheus", "alerts.yaml");
const DASHBOARD = join(PROJECT_ROOT, "deploy", "grafana", "livecomments.json");

/** Every query of the dashboard, with Grafana's rate interval as a window four scrapes wide. */
function dashboardQueries(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr.replaceAll("$__rate_interval", "10s") })),
  );
}

describe("promtool", () => {
  it("should accept the alert rules and pass their unit tests", async () => {
    const checked = await run(PROMTOOL, ["check", "rules", RULES]);
    assert.match(checked.stdout, /SUCCESS: 8 rules found/);
    const tested = await run(PROMTOOL, ["test", "rules", join(PROJECT_ROOT, "deploy", "prometheus", "alerts.test.yaml")]);
    assert.match(tested.stdout, /SUCCESS/);
  });
});

describe("a real Prometheus scraping the distributed mode", () => {
  let system: DistributedSystem;
  let prometheus: PrometheusServer;
  let api: ApiClient;
  let viewer: SseRecorder;
  let streamId: string;
  let posting = true;
  let posts: Promise<void>;

  beforeAll(async () => {
    system = await startDistributedSystem();
    api = new ApiClient(system.http, system.jwtSecret);
    const relayHttp = /HTTP (https?:\/\/127\.0\.0\.1:\d+)/.exec(system.roles.relay.output())![1]!;
    const hostOf = (url: string) => new URL(url).host;
    prometheus = await startPrometheus(
      {
        "livecomments-ingest": [hostOf(system.http.ingest)],
        "livecomments-relay": [hostOf(relayHttp)],
        "livecomments-edge": [hostOf(system.http.edge)],
        "livecomments-archive": [hostOf(system.http.archive)],
      },
      [RULES],
    );
    streamId = await api.createStream();
    viewer = new SseRecorder(api.url(`/v1/streams/${streamId}/comments/subscribe`));
    // A small load for the whole test: a comment every 100 ms, a refused one now and then.
    const token = await api.token("load");
    posts = (async () => {
      for (let i = 0; posting; i++) {
        await api.request("POST", `/v1/streams/${streamId}/comments`, { token, json: { text: i % 20 === 19 ? "" : `comment ${i}` } }).catch(() => {});
        await sleep(100);
      }
    })();
    await viewer.until(() => viewer.events.length > 0, 10_000);
    await api.waitForArchive(streamId, 1);
    assert.equal(await healthStatus(system.grpc.ingest, ""), "SERVING");
    await prometheus.waitForTargetsUp(30_000);
  }, 120_000);

  afterAll(async () => {
    posting = false;
    await posts;
    viewer?.source.close();
    await prometheus?.stop();
    await system?.stop();
  });

  it("should answer every query of the dashboard with data", async () => {
    await sleep(12_000); // rates need two scrapes inside their window
    const empty: string[] = [];
    for (const { panel, expr } of dashboardQueries()) {
      const result = await prometheus.query(expr);
      if (result.length === 0) empty.push(`${panel}: ${expr}`);
    }
    assert.deepEqual(empty, [], "queries without data");
    const ready = await prometheus.query("livecomments_ready");
    assert.deepEqual(ready.map((series) => series.metric.role).sort(), ["archive", "edge", "ingest", "relay"]);
    assert.ok(
      ready.every((series) => series.value[1] === "1"),
      "every role ready",
    );
    assert.deepEqual(await prometheus.alerts(), [], "nothing alerts while all is well");
  }, 60_000);

  it("should fire LiveCommentsDown for the archive stopped with SIGSTOP while comments keep coming, and resolve once it runs again", async () => {
    const archive = system.roles.archive.process;
    archive.kill("SIGSTOP");
    try {
      const deadline = Date.now() + 60_000;
      let firing: { labels: Record<string, string>; state: string }[] = [];
      while (firing.length === 0) {
        if (Date.now() > deadline) throw new Error(`no alert fired: ${JSON.stringify(await prometheus.alerts())}`);
        await sleep(1_000);
        firing = (await prometheus.alerts()).filter((alert) => alert.state === "firing");
      }
      assert.deepEqual(
        firing.map((alert) => [alert.labels.alertname, alert.labels.job]),
        [["LiveCommentsDown", "livecomments-archive"]],
      );
    } finally {
      archive.kill("SIGCONT");
    }
    const deadline = Date.now() + 30_000;
    while ((await prometheus.alerts()).length > 0) {
      if (Date.now() > deadline) throw new Error(`alerts left: ${JSON.stringify(await prometheus.alerts())}`);
      await sleep(1_000);
    }
  }, 120_000);
});
