// Brings up on loopback whatever of Kafka, Cassandra and Redis is not already running, and
// tears down what it started.
//
//   node scripts/engines.mjs run -- <command...>   engines up, run the command with their
//                                                 addresses in the environment, tear down
//   node scripts/engines.mjs up                     engines up until Ctrl-C, then tear down
//
// Ports: LC_ENGINE_KAFKA_PORT (9092; its controller listens 10001 above), LC_ENGINE_CASSANDRA_PORT
// (9042), LC_ENGINE_CASSANDRA_STORAGE_PORT (7000), LC_ENGINE_REDIS_PORT (6379).
// A port already taken by the right engine is used as it is; by anything else, it is an error.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureCassandra } from "./engines/cassandra.mjs";
import { ensureKafka } from "./engines/kafka.mjs";
import { ensureRedis } from "./engines/redis.mjs";
import { EngineError, log, stopProcess } from "./engines/util.mjs";

const port = (name, fallback) => Number(process.env[name] || fallback);
const [mode, ...rest] = process.argv.slice(2);
if (mode !== "run" && mode !== "up") {
  process.stderr.write("usage: node scripts/engines.mjs run -- <command...> | up\n");
  process.exit(2);
}

const runDir = mkdtempSync(join(tmpdir(), "livecomments-engines-"));
const started = [];
let tornDown = false;
async function tearDown() {
  if (tornDown) return;
  tornDown = true;
  if (started.length > 0) log(`stopping what this run started: ${started.map((s) => s.name).join(", ")}`);
  await Promise.all(started.map(({ process: p }) => stopProcess(p.pid)));
  rmSync(runDir, { recursive: true, force: true });
}

const startedAt = Date.now();
const results = await Promise.allSettled([
  ensureKafka({ port: port("LC_ENGINE_KAFKA_PORT", 9092), runDir }).then((r) => ({ name: "Kafka", ...r })),
  ensureCassandra({ port: port("LC_ENGINE_CASSANDRA_PORT", 9042), storagePort: port("LC_ENGINE_CASSANDRA_STORAGE_PORT", 7000), runDir }).then((r) => ({
    name: "Cassandra",
    ...r,
  })),
  ensureRedis({ port: port("LC_ENGINE_REDIS_PORT", 6379), runDir }).then((r) => ({ name: "Redis", ...r })),
]);
const env = { LC_ENGINES: "up" };
const failures = [];
for (const result of results) {
  if (result.status === "rejected") {
    failures.push(result.reason instanceof EngineError ? result.reason.message : String(result.reason?.stack ?? result.reason));
    continue;
  }
  Object.assign(env, result.value.env);
  if (result.value.started) started.push({ name: result.value.name, process: result.value.started });
}
if (failures.length > 0) {
  for (const failure of failures) process.stderr.write(`[engines] FAILED: ${failure}\n`);
  await tearDown();
  process.stderr.write("[engines] the engine-backed tests cannot run; failing instead of skipping them.\n");
  process.exit(1);
}
log(
  `all engines ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ")}`,
);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => void tearDown().then(() => process.exit(130)));
}
// Last resort if this process dies some other way: never leave an engine JVM orphaned.
process.on("exit", () => {
  if (tornDown) return;
  for (const { process: p } of started) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});
if (mode === "up") {
  log("engines are up; Ctrl-C stops what this run started");
  setInterval(() => {}, 1 << 30); // the engines are detached: keep this process (and the teardown) alive
  await new Promise(() => {});
}
const command = rest[0] === "--" ? rest.slice(1) : rest;
if (command.length === 0) {
  await tearDown();
  process.stderr.write("run: no command given\n");
  process.exit(2);
}
const child = spawn(command[0], command.slice(1), { stdio: "inherit", env: { ...process.env, ...env } });
const code = await new Promise((resolve) => child.once("exit", (status, signal) => resolve(status ?? (signal ? 1 : 0))));
await tearDown();
process.exit(code);
