import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "../free-port.js";
import { PROJECT_ROOT as ROOT } from "../project-root.js";

/** What scripts/engines/<engine>.mjs's ensure function answers. */
interface Ensured {
  readonly env: Readonly<Record<string, string>>;
  readonly started?: { readonly pid: number; alive(): boolean };
}
type Ensure = (options: { port: number; storagePort?: number; runDir: string }) => Promise<Ensured>;

/**
 * One engine of the fault suite's own, started by the same script code `npm test` uses, on
 * ports and a folder of its own, so the suite can kill, pause and restart it without
 * touching the engines the other tests share. A restart keeps the engine's data folder.
 */
export class OwnEngine {
  private current: Ensured | undefined;

  private constructor(
    readonly name: "Kafka" | "Cassandra" | "Redis",
    private readonly ensure: Ensure,
    private readonly options: { port: number; storagePort?: number; runDir: string; durable?: boolean },
  ) {}

  static async create(name: "Kafka" | "Cassandra" | "Redis", runDir: string): Promise<OwnEngine> {
    const module = (await import(pathToFileURL(join(ROOT, "scripts", "engines", `${name.toLowerCase()}.mjs`)).href)) as Record<string, Ensure>;
    const ensure = module[`ensure${name}`]!;
    const port = await freePortWhere(name === "Kafka" ? (p) => p + 10_001 < 65_536 : () => true);
    const storagePort = name === "Cassandra" ? await freePort() : undefined;
    // Redis keeps bans and held comments: the suite's is durable, as a deployment's must be.
    return new OwnEngine(name, ensure, { port, ...(storagePort === undefined ? {} : { storagePort }), runDir, ...(name === "Redis" ? { durable: true } : {}) });
  }

  /** The running engine's process id, if this object started it. */
  get pid(): number | undefined {
    return this.current?.started?.pid;
  }

  get env(): Readonly<Record<string, string>> {
    if (!this.current) throw new Error(`${this.name} is not started`);
    return this.current.env;
  }

  async start(): Promise<void> {
    this.current = await this.ensure(this.options);
    if (!this.current.started) throw new Error(`${this.name}: something else answers on port ${this.options.port}`);
  }

  /** kill -9 of the engine's whole process group. */
  async kill(): Promise<void> {
    const started = this.current?.started;
    if (!started) return;
    signalGroup(started.pid, "SIGKILL");
    while (started.alive()) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  pause(): void {
    if (this.current?.started) signalGroup(this.current.started.pid, "SIGSTOP");
  }

  resume(): void {
    if (this.current?.started) signalGroup(this.current.started.pid, "SIGCONT");
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    process.kill(pid, signal);
  }
}

/** A free port for which `fits` holds (Kafka also takes port + 10,001 for its controller). */
async function freePortWhere(fits: (port: number) => boolean): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (fits(port)) return port;
  }
}

/** Kafka, Cassandra and Redis of the suite's own, in a temporary folder removed by `dispose`. */
export async function startOwnEngines(): Promise<{
  kafka: OwnEngine;
  cassandra: OwnEngine;
  redis: OwnEngine;
  env(): Record<string, string>;
  dispose(): Promise<void>;
}> {
  const runDir = mkdtempSync(join(tmpdir(), "lc-faults-"));
  const [kafka, cassandra, redis] = await Promise.all([
    OwnEngine.create("Kafka", runDir),
    OwnEngine.create("Cassandra", runDir),
    OwnEngine.create("Redis", runDir),
  ]);
  const all = [kafka, cassandra, redis];
  try {
    await Promise.all(all.map((engine) => engine.start()));
  } catch (error) {
    await Promise.all(all.map((engine) => engine.kill()));
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
  return {
    kafka,
    cassandra,
    redis,
    env: () => ({ ...kafka.env, ...cassandra.env, ...redis.env }),
    async dispose() {
      for (const engine of all) engine.resume();
      await Promise.all(all.map((engine) => engine.kill()));
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
