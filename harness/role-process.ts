import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { MAIN_JS, nodeFlagsFrom, serverNodeFlags } from "./project-root.js";

const START_TIMEOUT_MS = 60_000;

/** A process a test started (a `livecomments <role>`, a consumer): its output, and ways to end it. */
export interface RoleProcess {
  readonly process: ChildProcess;
  /** The match of the ready pattern against what the process printed. */
  readonly ready: RegExpExecArray;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** kill -9: no chance to flush or close anything. */
  kill(): Promise<void>;
}

/**
 * Starts `node [nodeArgs] dist/app/main.js <role>` with exactly `env` (plus PATH) and waits
 * until its output matches `ready`; fails with that output if it exits or takes too long. A
 * `launcher` (a command prefix that execs the rest, such as `ip netns exec <namespace>`) runs it
 * elsewhere.
 */
export function startRole(
  role: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: readonly string[] = [],
  launcher: readonly string[] = [],
): Promise<RoleProcess> {
  return startNodeProcess(
    [...serverNodeFlags(role), ...nodeArgs, ...nodeFlagsFrom("LC_ROLE_NODE_ARGS"), MAIN_JS, role],
    env,
    ready,
    `livecomments ${role}`,
    launcher,
  );
}

/** Starts `node <args>` with exactly `env` (plus PATH) and waits until its output matches `ready`. */
export async function startNodeProcess(
  args: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
  name: string,
  launcher: readonly string[] = [],
): Promise<RoleProcess> {
  const [program, ...rest] = [...launcher, process.execPath, ...args];
  const child = spawn(program!, rest, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    // A process that never got ready is not left running.
    const timer = setTimeout(() => (child.kill("SIGKILL"), reject(new Error(`${name} did not start in time:\n${output}`))), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`));
    });
  });
  const waitForExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { process: child, ready: match, output: () => output, stop: () => waitForExit("SIGTERM"), kill: () => waitForExit("SIGKILL") };
}
