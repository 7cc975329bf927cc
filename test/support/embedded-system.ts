import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SystemUnderTest } from "./system.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "server", "main.js");
const START_TIMEOUT_MS = 20_000;

/** Options of {@link startEmbeddedSystem}. */
export interface EmbeddedSystemOptions {
  /** Extra environment for the process. */
  readonly env?: Record<string, string>;
  /** Reuse a data folder (for restarts); a fresh temporary one otherwise. */
  readonly dataDir?: string;
}

/** A running `npm start` process, as its users run it, on a fresh data folder. */
export interface EmbeddedSystem extends SystemUnderTest {
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** kill -9: no chance to flush or close anything. */
  kill(): Promise<void>;
  /** Removes the data folder (after stop or kill). */
  dispose(): void;
}

/** Starts the one-process system and waits until it prints where it listens. */
export async function startEmbeddedSystem(options: EmbeddedSystemOptions = {}): Promise<EmbeddedSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "lc-embedded-"));
  const jwtSecret = options.env?.LC_JWT_SECRET ?? randomBytes(24).toString("hex");
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      GRPC_PORT: "0",
      LC_DATA_DIR: dataDir,
      LC_JWT_SECRET: jwtSecret,
      LC_LOG: "quiet",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const ports = await new Promise<{ http: number; grpc: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded system did not start in time:\n${output}`)), START_TIMEOUT_MS);
    const check = () => {
      const http = /HTTP\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      const grpc = /gRPC\s+127\.0\.0\.1:(\d+)/.exec(output);
      if (http && grpc) {
        clearTimeout(timer);
        resolve({ http: Number(http[1]), grpc: Number(grpc[1]) });
      }
    };
    child.stdout.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`embedded system exited with ${code} before listening:\n${output}`));
    });
  });

  const waitForExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    httpUrl: `http://127.0.0.1:${ports.http}`,
    grpcAddress: `127.0.0.1:${ports.grpc}`,
    jwtSecret,
    dataDir,
    process: child,
    output: () => output,
    stop: () => waitForExit("SIGTERM"),
    kill: () => waitForExit("SIGKILL"),
    dispose: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
