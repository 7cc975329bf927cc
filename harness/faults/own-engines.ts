import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
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
/** Where an engine runs: the address it binds and advertises, and the command prefix that starts it there. */
export interface EnginePlacement {
  readonly host: string;
  readonly launcher: readonly string[];
}
type EngineName = "Kafka" | "Cassandra" | "Redis";
/** A node of a Kafka cluster of several, as scripts/engines/kafka.mjs takes it. */
interface KafkaClusterNode {
  readonly nodeId: number;
  readonly voters: readonly string[];
  readonly clusterId: string;
}
interface EngineOptions extends Partial<EnginePlacement> {
  readonly port: number;
  readonly storagePort?: number;
  readonly runDir: string;
  readonly durable?: boolean;
  readonly cluster?: KafkaClusterNode;
}
type Ensure = (options: EngineOptions) => Promise<Ensured>;

async function ensureOf(name: EngineName): Promise<Ensure> {
  const module = (await import(pathToFileURL(join(ROOT, "scripts", "engines", `${name.toLowerCase()}.mjs`)).href)) as Record<string, Ensure>;
  return module[`ensure${name}`]!;
}

/**
 * One engine of the fault suite's own, started by the same script code `npm test` uses, on
 * ports and a folder of its own, so the suite can kill, pause and restart it without
 * touching the engines the other tests share. A restart keeps the engine's data folder.
 */
export class OwnEngine {
  private current: Ensured | undefined;

  private constructor(
    readonly name: EngineName,
    private readonly ensure: Ensure,
    private readonly options: EngineOptions,
  ) {}

  static async create(name: EngineName, runDir: string, placement?: EnginePlacement): Promise<OwnEngine> {
    const ensure = await ensureOf(name);
    const port = await freePortWhere(name === "Kafka" ? (p) => p + 10_001 < 65_536 && isFree(p + 10_001) : () => true);
    const storagePort = name === "Cassandra" ? await freePort() : undefined;
    // Redis keeps bans and held comments: the suite's is durable, as a deployment's must be.
    return new OwnEngine(name, ensure, {
      port,
      ...(storagePort === undefined ? {} : { storagePort }),
      runDir,
      ...(name === "Redis" ? { durable: true } : {}),
      ...placement,
    });
  }

  /**
   * The nodes of a Kafka cluster, one on each host of `placements` (network namespaces of
   * their own, so every node takes the same ports), to be started together.
   */
  static async kafkaCluster(runDir: string, placements: readonly EnginePlacement[]): Promise<OwnEngine[]> {
    const ensure = await ensureOf("Kafka");
    const port = await freePortWhere((p) => p + 10_001 < 65_536);
    const voters = placements.map((placement, i) => `${i + 1}@${placement.host}:${port + 10_001}`);
    const { newClusterId } = (await import(pathToFileURL(join(ROOT, "scripts", "engines", "kafka.mjs")).href)) as { newClusterId: () => string };
    const clusterId = newClusterId();
    return placements.map((placement, i) => new OwnEngine("Kafka", ensure, { port, runDir, ...placement, cluster: { nodeId: i + 1, voters, clusterId } }));
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

/** A free port for which `fits` holds (Kafka also takes port + 10,001 for its controller, which must be free too). */
async function freePortWhere(fits: (port: number) => boolean | Promise<boolean>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (await fits(port)) return port;
  }
}

/** Whether nothing listens on, or is bound to, `port` of 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Kafka, Cassandra and Redis of the suite's own, in a temporary folder removed by `dispose`; on
 * loopback, or each where `placeOf` puts it (the nth node of Kafka where `placeOf("Kafka", n)`
 * does). With `kafkaNodes` > 1 (which needs `placeOf`) Kafka is a cluster of that many nodes,
 * and the roles replicate the topic to all of them.
 */
export async function startOwnEngines(
  placeOf?: (name: EngineName, node: number) => EnginePlacement,
  kafkaNodes = 1,
): Promise<{
  kafka: OwnEngine;
  kafkaNodes: readonly OwnEngine[];
  cassandra: OwnEngine;
  redis: OwnEngine;
  env(): Record<string, string>;
  dispose(): Promise<void>;
}> {
  const runDir = mkdtempSync(join(tmpdir(), "lc-faults-"));
  const [kafkas, cassandra, redis] = await Promise.all([
    kafkaNodes > 1 && placeOf
      ? OwnEngine.kafkaCluster(
          runDir,
          Array.from({ length: kafkaNodes }, (_, n) => placeOf("Kafka", n)),
        )
      : OwnEngine.create("Kafka", runDir, placeOf?.("Kafka", 0)).then((kafka) => [kafka]),
    OwnEngine.create("Cassandra", runDir, placeOf?.("Cassandra", 0)),
    OwnEngine.create("Redis", runDir, placeOf?.("Redis", 0)),
  ]);
  const all = [...kafkas, cassandra, redis];
  // Every start is waited for, failed or not: one still starting when another failed would be
  // left running otherwise.
  const failed = (await Promise.allSettled(all.map((engine) => engine.start()))).find((result) => result.status === "rejected");
  if (failed) {
    await Promise.all(all.map((engine) => engine.kill()));
    // The folder is kept: the failed engine's log, which its error names, is in it.
    throw failed.reason;
  }
  const kafkaEnv = () =>
    kafkas.length === 1
      ? kafkas[0]!.env
      : {
          ...kafkas[0]!.env,
          LC_KAFKA_BROKERS: kafkas.map((node) => node.env.LC_KAFKA_BROKERS).join(","),
          LC_KAFKA_REPLICATION_FACTOR: String(kafkas.length),
        };
  return {
    kafka: kafkas[0]!,
    kafkaNodes: kafkas,
    cassandra,
    redis,
    env: () => ({ ...kafkaEnv(), ...cassandra.env, ...redis.env }),
    async dispose() {
      for (const engine of all) engine.resume();
      await Promise.all(all.map((engine) => engine.kill()));
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
