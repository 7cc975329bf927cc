#!/usr/bin/env node
import { runArchive } from "../archive/main.js";
import { createJsonLogger } from "../core/logger.js";
import { runEdge } from "../edge/main.js";
import { runIngest } from "../ingest/main.js";
import { runRelay } from "../relay/main.js";
import { runAll } from "./embedded-main.js";
import type { RunningRole } from "./engines.js";
import { EnvReader } from "./env.js";

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
  let running: RunningRole;
  try {
    const logger = createJsonLogger({ quiet: new EnvReader(process.env).oneOf("LC_LOG", "info", ["info", "quiet"]) === "quiet" });
    running = await ROLES[role](process.env, logger);
  } catch (error) {
    process.stderr.write(`livecomments ${role}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  process.stdout.write(running.description + "\n");
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

void main();
