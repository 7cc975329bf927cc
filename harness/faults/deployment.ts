import { randomBytes } from "node:crypto";
import { mintToken } from "../../core/auth/dev-token.js";
import { READY } from "../distributed-system.js";
import { freePort } from "../free-port.js";
import type { RoleProcess } from "../role-process.js";
import { startRole } from "../role-process.js";
import { HELD_MARK, Viewer } from "./load.js";
import { startOwnEngines } from "./own-engines.js";
import { until } from "../until.js";

type RoleName = "ingest" | "relay" | "edge" | "archive";

/** A role process on fixed ports, so that it can be killed and started again at the same address. */
export class RoleSlot {
  process: RoleProcess | undefined;
  constructor(
    readonly role: RoleName,
    private readonly env: Record<string, string>,
  ) {}
  async start(): Promise<void> {
    this.process = await startRole(this.role, this.env, READY[this.role]);
  }
  kill(): Promise<void> {
    return this.process?.kill() ?? Promise.resolve();
  }
  signal(signal: NodeJS.Signals): void {
    this.process?.process.kill(signal);
  }
}

/** The Cassandra keyspace of a deployment. */
export const DEPLOYMENT_KEYSPACE = "faults";

/**
 * The distributed mode on engines of its own, with streams, poster tokens and connected SSE
 * viewers (plus a canary stream and viewer): what the fault suite and the soak run drive.
 */
export async function startDeployment(options: {
  streams: number;
  posters: number;
  viewers: number;
  say: (line: string) => void;
  /** Extra environment per role (a benchmark's limits, say). */
  roleEnv?: Partial<Record<RoleName, Record<string, string>>>;
}) {
  const { say } = options;
  say("starting Kafka, Cassandra and Redis of the run's own");
  const engines = await startOwnEngines();
  const slots: RoleSlot[] = [];
  const viewers: Viewer[] = [];
  // The engines run in process groups of their own: on Ctrl-C they must be stopped here, or
  // they outlive the run.
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the roles and engines`);
    void stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  const stop = async () => {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    for (const viewer of viewers) viewer.close();
    await Promise.all(slots.map((slot) => (slot.signal("SIGCONT"), slot.kill())));
    await engines.dispose();
  };
  // What the roles said last is the first thing to read when something fails.
  const sayRoleOutputs = () => {
    for (const slot of slots) say(`--- ${slot.role} (last lines) ---\n${slot.process?.output().split("\n").slice(-12).join("\n") ?? ""}`);
  };
  try {
    const secret = randomBytes(24).toString("hex");
    const [ingestPort, ingestGrpc, relayPort, relayGrpc, edgePort, archivePort] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const common = {
      HOST: "127.0.0.1",
      LC_LOG: process.env.LC_FAULTS_LOG ?? "quiet",
      LC_JWT_SECRET: secret,
      ...engines.env(),
      LC_KAFKA_TOPIC: "comments",
      LC_KAFKA_PARTITIONS: "6",
      LC_CASSANDRA_KEYSPACE: DEPLOYMENT_KEYSPACE,
      LC_IP_RATE_PER_SEC: "1000000",
      LC_IP_BURST: "1000000",
      LC_SSE_HEARTBEAT_MS: "1000",
      LC_ARCHIVE_SETTLE_MS: "200",
      LC_ARCHIVE_LAG_POLL_MS: "200",
    };
    const slot = (role: RoleName, ports: Record<string, string | number>) =>
      new RoleSlot(role, { ...common, ...options.roleEnv?.[role], ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) });
    const roles = {
      relay: slot("relay", { PORT: relayPort!, GRPC_PORT: relayGrpc! }),
      archive: slot("archive", { PORT: archivePort!, GRPC_PORT: 0 }),
      ingest: slot("ingest", { PORT: ingestPort!, GRPC_PORT: ingestGrpc! }),
      edge: slot("edge", { PORT: edgePort!, GRPC_PORT: 0, LC_RELAY_ADDRESS: `127.0.0.1:${relayGrpc}` }),
    };
    say("starting relay, archive, ingest and edge");
    await roles.relay.start();
    slots.push(roles.relay);
    await Promise.all([roles.archive, roles.ingest, roles.edge].map(async (role) => (await role.start(), slots.push(role))));

    const ingestUrl = `http://127.0.0.1:${ingestPort}`;
    const archiveUrl = `http://127.0.0.1:${archivePort}`;
    const admin = await mintToken(secret, { sub: "admin", scope: "streams:admin" });
    const streams = Array.from({ length: options.streams }, (_, i) => `faults-${i}`);
    for (const streamId of [...streams, "canary"]) {
      const created = await fetch(`${ingestUrl}/v1/streams`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ stream_id: streamId }),
      });
      if (created.status !== 201) throw new Error(`creating ${streamId}: ${created.status}`);
    }
    const tokens = await Promise.all(Array.from({ length: Math.max(100, options.posters) }, (_, i) => mintToken(secret, { sub: `poster-${i}` })));
    // The canary posts as a user of its own, so the posters' per-user limit never shapes it.
    const canaryToken = await mintToken(secret, { sub: "canary" });
    const moderatorToken = await mintToken(secret, { sub: "moderator", scope: "comments:moderate" });
    // A share of the load is held for review: every stream blocks the suite's mark.
    for (const streamId of streams) {
      const blocked = await fetch(`${ingestUrl}/v1/streams/${streamId}/blocked_terms`, {
        method: "PUT",
        headers: { authorization: `Bearer ${moderatorToken}`, "content-type": "application/json" },
        body: JSON.stringify({ terms: [HELD_MARK] }),
      });
      if (blocked.status !== 200) throw new Error(`blocking terms of ${streamId}: ${blocked.status}`);
    }
    for (let i = 0; i < options.viewers; i++) viewers.push(new Viewer(streams[i % streams.length]!, edgePort!, `127.0.0.${2 + (i % 250)}`));
    const canaryViewer = new Viewer("canary", edgePort!, "127.0.0.1");
    await until(() => viewers.every((viewer) => viewer.open) && canaryViewer.open, 30_000, "every viewer connected");
    viewers.push(canaryViewer);
    return {
      engines,
      roles,
      slots,
      streams,
      tokens,
      canaryToken,
      moderatorToken,
      ingestUrl,
      archiveUrl,
      edgePort: edgePort!,
      viewers: viewers.filter((v) => v !== canaryViewer),
      canaryViewer,
      sayRoleOutputs,
      stop,
    };
  } catch (error) {
    sayRoleOutputs();
    await stop();
    throw error;
  }
}
