import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARCHIVE_CONSUMER_GROUP } from "../archive/archive-writer.js";
import { DATABASE_FILE } from "../app/embedded-app.js";
import { loadOrCreateDevSecret } from "../core/auth/dev-token.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { ApiClient } from "./http-client.js";
import type { RoleProcess } from "./role-process.js";
import { startRole } from "./role-process.js";
import type { SystemUnderTest } from "./system.js";

/** Options of {@link startEmbeddedSystem}. */
export interface EmbeddedSystemOptions {
  /** Extra environment for the process. */
  readonly env?: Record<string, string>;
  /** Reuse a data folder (for restarts); a fresh temporary one otherwise. */
  readonly dataDir?: string;
  /** Run as `npm start` does without LC_JWT_SECRET: on the development secret in the data folder. */
  readonly devSecret?: boolean;
}

/** A running `npm start` process, as its users run it, on a fresh data folder. */
export interface EmbeddedSystem extends SystemUnderTest, Pick<RoleProcess, "process" | "output" | "kill"> {
  readonly dataDir: string;
  /** Removes the data folder (after stop or kill). */
  dispose(): void;
}

/** What the one process prints once it listens: its HTTP URL and its gRPC address. */
const READY = /HTTP\s+(https?:\/\/127\.0\.0\.1:\d+)[\s\S]*gRPC\s+(127\.0\.0\.1:\d+)/;

/** Starts the one-process system and waits until it prints where it listens. */
export async function startEmbeddedSystem(options: EmbeddedSystemOptions = {}): Promise<EmbeddedSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "lc-embedded-"));
  const givenSecret: { LC_JWT_SECRET?: string } = options.devSecret ? {} : { LC_JWT_SECRET: options.env?.LC_JWT_SECRET ?? randomBytes(24).toString("hex") };
  const env = { HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", LC_DATA_DIR: dataDir, ...givenSecret, LC_LOG: "quiet", ...options.env };
  let role = await startRole("all", env, READY);
  const jwtSecret = givenSecret.LC_JWT_SECRET ?? loadOrCreateDevSecret(dataDir); // the process made it at start
  const [, httpUrl, grpcAddress] = role.ready as unknown as [string, string, string];
  return {
    http: { ingest: httpUrl, edge: httpUrl, archive: httpUrl },
    grpc: { ingest: grpcAddress, relay: grpcAddress },
    jwtSecret,
    dataDir,
    get process() {
      return role.process;
    },
    output: () => role.output(),
    stop: () => role.stop(),
    kill: () => role.kill(),
    async redeliverToArchive() {
      await role.stop();
      // Without its committed position the archive's group starts from the log's first record.
      const db = openDatabase(join(dataDir, DATABASE_FILE));
      try {
        db.prepare("DELETE FROM log_consumer_offsets WHERE grp = ?").run(ARCHIVE_CONSUMER_GROUP);
      } finally {
        db.close();
      }
      role = await startRole("all", { ...env, PORT: new URL(httpUrl).port, GRPC_PORT: grpcAddress.split(":")[1]! }, READY);
    },
    dispose: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Runs `body` against a fresh embedded system, then stops it and removes its data. */
export async function withEmbeddedSystem<T>(options: EmbeddedSystemOptions, body: (system: EmbeddedSystem, api: ApiClient) => Promise<T>): Promise<T> {
  const system = await startEmbeddedSystem(options);
  try {
    return await body(system, new ApiClient(system.http, system.jwtSecret));
  } finally {
    await system.stop();
    system.dispose();
  }
}
