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
import { ROLE_NAMES, effectiveConfig, readProcessConfig } from "./effective-config.js";
import type { RoleName } from "./effective-config.js";
import { runAll } from "./embedded-main.js";
import type { RunningRole } from "./engines.js";
import { packageVersion } from "./version.js";
import { readTracingConfig, startTracing } from "./tracing.js";
import type { Tracing, TracingConfig } from "./tracing.js";

const ROLES: Record<RoleName, (env: Environment, logger: Logger) => Promise<RunningRole>> = {
  all: runAll,
  ingest: runIngest,
  relay: runRelay,
  edge: runEdge,
  archive: runArchive,
};
/** A command other than running a role: what it does, and how it is called. */
interface Command {
  readonly run: (args: readonly string[], env: Environment) => Promise<void>;
  readonly usage: string;
}
const COMMANDS: Record<string, Command> = {
  config: { run: configCommand, usage: CONFIG_USAGE },
  token: { run: tokenCommand, usage: TOKEN_USAGE },
  post: { run: postCommand, usage: POST_USAGE },
  tail: { run: tailCommand, usage: TAIL_USAGE },
  healthcheck: { run: healthcheckCommand, usage: HEALTHCHECK_USAGE },
};

const ROLE_USAGE = `livecomments [${ROLE_NAMES.join("|")}]   # run a role (all: every role in one process on embedded storage)`;
const USAGE = [
  `usage: ${ROLE_USAGE}`,
  ...Object.values(COMMANDS).map((command) => `       ${command.usage}`),
  `       livecomments --version`,
  `       livecomments <command> --help`,
  `Configuration: environment variables, under those of LC_CONFIG_FILE when set (docs/configuration.md).`,
].join("\n");

const HELP = new Set(["--help", "-h"]);

async function main(): Promise<void> {
  const [name = "all", ...args] = process.argv.slice(2);
  if (name === "help" || HELP.has(name)) return void process.stdout.write(USAGE + "\n");
  if (name === "--version" || name === "-V" || name === "version") return void process.stdout.write(`livecomments ${packageVersion()}\n`);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command) {
    if (args.some((arg) => HELP.has(arg))) return void process.stdout.write(`usage: ${command.usage}\n`);
    try {
      await command.run(args, process.env);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UsageError || isArgumentParseError(error)) {
        process.stderr.write(`livecomments ${name}: ${message}\nusage: ${command.usage}\n`);
        process.exit(2);
      }
      process.stderr.write(`livecomments ${name}: ${message}\n`);
      process.exit(error instanceof LcError && error.reason === "invalid_argument" ? 2 : 1);
    }
    return;
  }
  if (!Object.hasOwn(ROLES, name)) {
    process.stderr.write(`livecomments: unknown command "${name}"\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.length === 1 && HELP.has(args[0]!)) return void process.stdout.write(`usage: ${ROLE_USAGE}\n`);
  if (args.length > 0) {
    process.stderr.write(`livecomments ${name}: takes no arguments (configure it with environment variables)\nusage: ${ROLE_USAGE}\n`);
    process.exit(2);
  }
  await runRole(name as RoleName);
}

/** node:util parseArgs refusing an option: a usage error like any other. */
function isArgumentParseError(error: unknown): boolean {
  return error instanceof TypeError && String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_");
}

/** Reads and checks the configuration once, then runs the role until SIGINT or SIGTERM. */
async function runRole(role: RoleName): Promise<void> {
  let env: Environment;
  let workers: number;
  let level: LogLevel;
  let tracingConfig: TracingConfig | undefined;
  try {
    env = withConfigFile(process.env);
    const checked = effectiveConfig(env, role);
    ({ workers, log: level } = readProcessConfig(env));
    tracingConfig = readTracingConfig(env, role === "all" ? "livecomments" : `livecomments-${role}`);
    for (const name of checked.unknown) process.stderr.write(`livecomments ${role}: ignoring ${name}, which no part of Live Comments reads\n`);
  } catch (error) {
    process.stderr.write(`livecomments ${role}: bad configuration: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  if (workers > 1 && role === "edge" && cluster.isPrimary) return superviseWorkers(role, workers);
  let running: RunningRole;
  let tracing: Tracing | undefined;
  try {
    const logger = createJsonLogger({ level, role });
    if (tracingConfig) tracing = await startTracing(tracingConfig, packageVersion(), logger);
    running = await ROLES[role](env, logger);
  } catch (error) {
    process.stderr.write(`livecomments ${role}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (cluster.isWorker) process.send!({ ready: running.description });
  else process.stdout.write(running.description + "\n");
  const stop = () => {
    running
      .close()
      .then(() => flushTraces(tracing))
      .then(
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

/** How long a stopping process waits for its last spans to be exported. */
const TRACE_FLUSH_MS = 2_000;

/** Exports the spans a stopping process still holds, for at most {@link TRACE_FLUSH_MS}. */
async function flushTraces(tracing: Tracing | undefined): Promise<void> {
  if (!tracing) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([tracing.shutdown().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, TRACE_FLUSH_MS)))]);
  clearTimeout(timer);
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
