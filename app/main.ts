#!/usr/bin/env node
import cluster from "node:cluster";
import { runArchive } from "./distributed/archive.js";
import { LcError } from "../core/errors.js";
import { createJsonLogger } from "../core/logger.js";
import type { Logger, LogLevel } from "../core/logger.js";
import { runEdge } from "./distributed/edge.js";
import { runIngest } from "./distributed/ingest.js";
import { runRelay } from "./distributed/relay.js";
import { CONFIG_USAGE, configCommand } from "./cli/config-command.js";
import { HEALTHCHECK_USAGE, healthcheckCommand } from "./cli/healthcheck-command.js";
import { POST_USAGE, postCommand } from "./cli/post-command.js";
import { TAIL_USAGE, tailCommand } from "./cli/tail-command.js";
import { TOKEN_USAGE, tokenCommand } from "./cli/token-command.js";
import { UsageError } from "./cli/usage-error.js";
import type { Environment } from "./config-file.js";
import { withConfigFile } from "./config-file.js";
import { ROLE_NAMES, effectiveConfig } from "./effective-config.js";
import type { RoleName } from "./effective-config.js";
import { runAll } from "./embedded-main.js";
import type { RunningRole } from "./engines.js";

const ROLES: Record<RoleName, (env: Environment, logger: Logger) => Promise<RunningRole>> = {
  all: runAll,
  ingest: runIngest,
  relay: runRelay,
  edge: runEdge,
  archive: runArchive,
};
const COMMANDS = { config: configCommand, token: tokenCommand, post: postCommand, tail: tailCommand, healthcheck: healthcheckCommand } as const;

const USAGE = [
  `usage: livecomments [${ROLE_NAMES.join("|")}]   run a role (all: every role in one process on embedded storage)`,
  `       ${CONFIG_USAGE}`,
  `       ${TOKEN_USAGE}`,
  `       ${POST_USAGE}`,
  `       ${TAIL_USAGE}`,
  `       ${HEALTHCHECK_USAGE}`,
  `Configuration: environment variables, under those of LC_CONFIG_FILE when set (see README).`,
].join("\n");

async function main(): Promise<void> {
  const [name = "all", ...args] = process.argv.slice(2);
  if (name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(USAGE + "\n");
    return;
  }
  if (name in COMMANDS) {
    try {
      await COMMANDS[name as keyof typeof COMMANDS](args, process.env);
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`livecomments ${name}: ${error.message}\nusage: ${error.usage}\n`);
        process.exit(2);
      }
      if (error instanceof LcError && error.reason === "invalid_argument") {
        process.stderr.write(`livecomments ${name}: ${error.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`livecomments ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
    return;
  }
  if (!(name in ROLES) || args.length > 0) {
    process.stderr.write(USAGE + "\n");
    process.exit(2);
  }
  await runRole(name as RoleName);
}

/** Reads and checks the configuration once, then runs the role until SIGINT or SIGTERM. */
async function runRole(role: RoleName): Promise<void> {
  let env: Environment;
  let workers: number;
  let level: LogLevel;
  try {
    env = withConfigFile(process.env);
    const checked = effectiveConfig(env, role);
    workers = checked.config.workers as number;
    level = checked.config.log as LogLevel;
    for (const name of checked.unknown) process.stderr.write(`livecomments ${role}: ignoring ${name}, which no part of Live Comments reads\n`);
  } catch (error) {
    process.stderr.write(`livecomments ${role}: bad configuration: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  if (workers > 1 && role === "edge" && cluster.isPrimary) return superviseWorkers(role, workers);
  let running: RunningRole;
  try {
    running = await ROLES[role](env, createJsonLogger({ level, role }));
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
