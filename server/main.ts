#!/usr/bin/env node
import { runArchive } from "../archive/main.js";
import { createJsonLogger } from "../core/logger.js";
import { runEdge } from "../edge/main.js";
import { runIngest } from "../ingest/main.js";
import { runRelay } from "../relay/main.js";
import { runAll } from "./embedded-main.js";
import type { RunningRole } from "./engines.js";
import { EnvReader } from "./env.js";
import cluster from "node:cluster";

const ROLES = { all: runAll, ingest: runIngest, relay: runRelay, edge: runEdge, archive: runArchive } as const;
type RoleName = keyof typeof ROLES;

/**
 * `livecomments [all|ingest|relay|edge|archive]`: runs one role of the distributed mode, or
 * every role in one process on embedded storage (`all`, the default, what `npm start` runs).
 * Configuration comes only from the environment.
 */
async function main(): Promise<void> {
  const role = (process.argv[2] ?? "all") as RoleName;
  if (!(role in ROLES)) {
    process.stderr.write(`usage: livecomments [${Object.keys(ROLES).join("|")}]\n`);
    process.exit(2);
  }
  const workers = new EnvReader(process.env).integer("LC_WORKERS", 1, 1, 64);
  if (workers > 1 && role === "edge" && cluster.isPrimary) return superviseWorkers(role, workers);
  let running: RunningRole;
  try {
    const logger = createJsonLogger({ quiet: new EnvReader(process.env).oneOf("LC_LOG", "info", ["info", "quiet"]) === "quiet" });
    running = await ROLES[role](process.env, logger);
  } catch (error) {
    process.stderr.write(`livecomments ${role}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (cluster.isWorker) process.send!({ ready: running.description });
  else process.stdout.write(running.description + "\n");
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`livecomments ${role}: unclean stop: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/**
 * Runs a role in `count` worker processes sharing its ports (node:cluster), so an edge uses
 * every core of a machine. Each worker is a full edge with its own feeds; viewer counts add
 * up across them like across edges. A worker that dies is replaced; SIGTERM stops them all.
 */
function superviseWorkers(role: string, count: number): void {
  let stopping = false;
  let announced = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.process.stdout?.pipe(process.stdout);
    worker.on("message", (message: { ready?: string }) => {
      if (message.ready && !announced) {
        announced = true;
        process.stdout.write(`${message.ready} (${count} workers)\n`);
      }
    });
  };
  cluster.setupPrimary({ silent: false });
  for (let i = 0; i < count; i++) fork();
  cluster.on("exit", (_worker, code) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    process.stderr.write(`livecomments ${role}: a worker exited with ${code}; starting another\n`);
    fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
