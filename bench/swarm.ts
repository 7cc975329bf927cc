// The benchmarks' side of a viewer swarm (bench/viewer-swarm.ts, a child process holding many
// SSE viewers), and posting at a steady rate with each comment's index and send time.
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { askChild } from "./ask.js";
import type { BenchTarget } from "./bench-targets.js";
import type { SwarmCommand, SwarmReport } from "./viewer-swarm.js";

const SWARM = join(dirname(fileURLToPath(import.meta.url)), "viewer-swarm.js");
/** Viewers per swarm process, under the 20,000 open files a process may have here. */
export const VIEWERS_PER_SWARM = 9_000;

/** A viewer-swarm child process, driven over IPC. */
export class Swarm {
  private constructor(private readonly child: ChildProcess) {
    child.setMaxListeners(0); // one listener per request in flight: a benchmark may open a thousand streams at once
  }

  static start(): Swarm {
    return new Swarm(fork(SWARM, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  }

  private ask<T>(command: SwarmCommand, reply: string): Promise<T> {
    return askChild<T>(this.child, command, reply);
  }

  open(command: Extract<SwarmCommand, { type: "open" }>): Promise<{ connected: number; failed: number }> {
    return this.ask(command, "opened");
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  report(): Promise<SwarmReport> {
    return this.ask({ type: "report" }, "report");
  }

  close(): void {
    this.child.send({ type: "close" });
  }
}

/**
 * Posts `count` comments at `rate` per second, each carrying its index and send time (and
 * `padding` after them, for comments of a realistic size).
 */
export async function postAtRate(target: BenchTarget, count: number, rate: number, firstIndex = 0, padding = ""): Promise<void> {
  const started = Date.now();
  const posts: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    posts.push(target.publish(`b${firstIndex + i}@${Date.now()}${padding}`));
  }
  await Promise.all(posts);
}
