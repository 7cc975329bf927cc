import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateDevSecret } from "../core/auth/dev-token.js";
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

/** Starts the one-process system and waits until it prints where it listens. */
export async function startEmbeddedSystem(options: EmbeddedSystemOptions = {}): Promise<EmbeddedSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "lc-embedded-"));
  const givenSecret: { LC_JWT_SECRET?: string } = options.devSecret ? {} : { LC_JWT_SECRET: options.env?.LC_JWT_SECRET ?? randomBytes(24).toString("hex") };
  const role = await startRole(
    "all",
    { HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", LC_DATA_DIR: dataDir, ...givenSecret, LC_LOG: "quiet", ...options.env },
    /HTTP\s+(https?:\/\/127\.0\.0\.1:\d+)[\s\S]*gRPC\s+(127\.0\.0\.1:\d+)/,
  );
  const jwtSecret = givenSecret.LC_JWT_SECRET ?? loadOrCreateDevSecret(dataDir); // the process made it at start
  const [, httpUrl, grpcAddress] = role.ready as unknown as [string, string, string];
  return {
    http: { ingest: httpUrl, edge: httpUrl, archive: httpUrl },
    grpc: { ingest: grpcAddress, relay: grpcAddress },
    jwtSecret,
    dataDir,
    process: role.process,
    output: role.output,
    stop: role.stop,
    kill: role.kill,
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
