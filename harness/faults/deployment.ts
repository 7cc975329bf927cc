import { randomBytes } from "node:crypto";
import { mintToken } from "../../core/auth/dev-token.js";
import { READY } from "../distributed-system.js";
import { freePort } from "../free-port.js";
import type { RoleProcess } from "../role-process.js";
import { startRole } from "../role-process.js";
import { HELD_MARK, Viewer } from "./load.js";
import { startOwnEngines } from "./own-engines.js";
import { until } from "../until.js";
import { VirtualNetwork } from "./virtual-network.js";

type RoleName = "ingest" | "relay" | "edge" | "archive";

/** A role process on fixed ports, so that it can be killed and started again at the same address. */
export class RoleSlot {
  process: RoleProcess | undefined;
  constructor(
    readonly role: RoleName,
    private readonly env: Record<string, string>,
    /** The command prefix that starts it on its host (none: on this one). */
    private readonly launcher: readonly string[] = [],
  ) {}
  async start(): Promise<void> {
    this.process = await startRole(this.role, this.env, READY[this.role], [], this.launcher);
  }
  kill(): Promise<void> {
    return this.process?.kill() ?? Promise.resolve();
  }
  signal(signal: NodeJS.Signals): void {
    this.process?.process.kill(signal);
  }
}

/**
 * Runs `work` on a deployment, prints what its roles said last if the work fails, and stops
 * the deployment either way.
 */
export async function runOnDeployment<T>(deployment: { sayRoleOutputs(): void; stop(): Promise<void> }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    deployment.sayRoleOutputs();
    throw error;
  } finally {
    await deployment.stop();
  }
}

/** The Cassandra keyspace of a deployment. */
export const DEPLOYMENT_KEYSPACE = "faults";

/** The nodes of Kafka on a deployment's own network: a cluster of three. */
export const KAFKA_HOSTS = ["kafka", "kafka2", "kafka3"] as const;
/** The hosts of a deployment on its own network: each role and engine (each Kafka node) is one. */
export const NETWORK_HOSTS = ["ingest", "relay1", "relay2", "edge1", "edge2", "archive", ...KAFKA_HOSTS, "redis", "cassandra"] as const;
export type NetworkHost = (typeof NETWORK_HOSTS)[number];

/** One edge of a deployment, the viewers connected to it and a canary viewer of its own. */
export interface DeployedEdge {
  readonly slot: RoleSlot;
  readonly host: string;
  readonly port: number;
  readonly viewers: readonly Viewer[];
  readonly canary: Viewer;
}

/**
 * The distributed mode on engines of its own, with streams, poster tokens and connected SSE
 * viewers (plus a canary stream and viewer): what the fault suite and the soak run drive.
 *
 * With `network`, every role and engine is a host of its own on a {@link VirtualNetwork}, Kafka
 * is a cluster of three nodes (the topic replicated to all three), and there are two relays
 * and two edges: the first edge dials the first relay and fails over to
 * the second, the second edge the other way round; the viewers are split between the edges.
 * Without it, everything is on loopback with one relay and one edge.
 */
export async function startDeployment(options: {
  streams: number;
  posters: number;
  viewers: number;
  say: (line: string) => void;
  /** Extra environment per role (a benchmark's limits, say). */
  roleEnv?: Partial<Record<RoleName, Record<string, string>>>;
  network?: boolean;
}) {
  const { say } = options;
  const network = options.network ? await VirtualNetwork.create(NETWORK_HOSTS) : undefined;
  if (network) say(`made a network of ${NETWORK_HOSTS.length} hosts: ${NETWORK_HOSTS.map((host) => `${host} ${network.address(host)}`).join(", ")}`);
  const hostOf = (host: NetworkHost) => network?.address(host) ?? "127.0.0.1";
  const launcherOf = (host: NetworkHost) => network?.launcher(host) ?? [];
  say("starting Kafka, Cassandra and Redis of the run's own");
  const engineHost = (name: "Kafka" | "Cassandra" | "Redis", node: number): NetworkHost =>
    name === "Kafka" ? KAFKA_HOSTS[node]! : name === "Cassandra" ? "cassandra" : "redis";
  const placeOf =
    network &&
    ((name: "Kafka" | "Cassandra" | "Redis", node: number) => ({ host: hostOf(engineHost(name, node)), launcher: launcherOf(engineHost(name, node)) }));
  const engines = await startOwnEngines(placeOf, network ? KAFKA_HOSTS.length : 1).catch(async (error: unknown) => {
    await network?.dispose();
    throw error;
  });
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
    await network?.dispose();
  };
  // What the roles said last is the first thing to read when something fails.
  const sayRoleOutputs = () => {
    for (const slot of slots) say(`--- ${slot.role} (last lines) ---\n${slot.process?.output().split("\n").slice(-12).join("\n") ?? ""}`);
  };
  try {
    const secret = randomBytes(24).toString("hex");
    const [ingestPort, ingestGrpc, relayPort, relayGrpc, edgePort, archivePort, secondEdgePort] = await Promise.all(
      Array.from({ length: 7 }, () => freePort()),
    );
    const common = {
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
      // On a network of its own every viewer comes from the one address of the client's link.
      ...(network ? { LC_MAX_VIEWERS_PER_IP: String(options.viewers + 10) } : {}),
    };
    const slot = (role: RoleName, host: NetworkHost, ports: Record<string, string | number>) =>
      new RoleSlot(
        role,
        { ...common, HOST: hostOf(host), ...options.roleEnv?.[role], ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) },
        launcherOf(host),
      );
    // Relays and edges on hosts of their own take the same ports on each host.
    const relayAt = (host: NetworkHost) => `${hostOf(host)}:${relayGrpc}`;
    const roles = {
      relay: slot("relay", "relay1", { PORT: relayPort!, GRPC_PORT: relayGrpc! }),
      archive: slot("archive", "archive", { PORT: archivePort!, GRPC_PORT: 0 }),
      ingest: slot("ingest", "ingest", { PORT: ingestPort!, GRPC_PORT: ingestGrpc! }),
      edge: slot("edge", "edge1", {
        PORT: edgePort!,
        GRPC_PORT: 0,
        LC_RELAY_ADDRESS: network ? `ipv4:${relayAt("relay1")},${relayAt("relay2")}` : relayAt("relay1"),
      }),
    };
    const second = network && {
      relay: slot("relay", "relay2", { PORT: relayPort!, GRPC_PORT: relayGrpc! }),
      edge: slot("edge", "edge2", { PORT: secondEdgePort!, GRPC_PORT: 0, LC_RELAY_ADDRESS: `ipv4:${relayAt("relay2")},${relayAt("relay1")}` }),
    };
    say(second ? "starting two relays, archive, ingest and two edges" : "starting relay, archive, ingest and edge");
    // The first process makes the topic; the others start once its partitions have leaders.
    await roles.relay.start();
    slots.push(roles.relay);
    // Every role that did start is in `slots` before a failure is thrown, so `stop` ends it.
    const starts = await Promise.allSettled(
      [roles.archive, roles.ingest, roles.edge, ...(second ? [second.relay, second.edge] : [])].map(async (role) => (await role.start(), role)),
    );
    for (const start of starts) if (start.status === "fulfilled") slots.push(start.value);
    const failed = starts.find((start) => start.status === "rejected");
    if (failed) throw failed.reason;

    const ingestUrl = `http://${hostOf("ingest")}:${ingestPort}`;
    const archiveUrl = `http://${hostOf("archive")}:${archivePort}`;
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
    const edgeSlots = [
      { slot: roles.edge, host: hostOf("edge1"), port: edgePort! },
      ...(second ? [{ slot: second.edge, host: hostOf("edge2"), port: secondEdgePort! }] : []),
    ];
    // On loopback, viewers come from many source addresses, so that thousands of them do not
    // run out of ports of one.
    const sourceOf = (i: number) => (network ? undefined : `127.0.0.${2 + (i % 250)}`);
    const edges: DeployedEdge[] = edgeSlots.map(({ slot, host, port }, e) => {
      const ofEdge = Array.from({ length: Math.ceil((options.viewers - e) / edgeSlots.length) }, (_, k) => {
        const i = e + k * edgeSlots.length;
        return new Viewer(streams[i % streams.length]!, { host, port, localAddress: sourceOf(i) });
      });
      return { slot, host, port, viewers: ofEdge, canary: new Viewer("canary", { host, port, localAddress: network ? undefined : "127.0.0.1" }) };
    });
    const httpPortOf: Partial<Record<NetworkHost, number>> = {
      ingest: ingestPort!,
      relay1: relayPort!,
      archive: archivePort!,
      edge1: edgePort!,
      ...(second ? { relay2: relayPort!, edge2: secondEdgePort! } : {}),
    };
    /** The HTTP address of the role on a host (its /readyz, say). */
    const roleUrl = (host: NetworkHost) => {
      const port = httpPortOf[host];
      if (port === undefined) throw new Error(`no role on ${host}`);
      return `http://${hostOf(host)}:${port}`;
    };
    const all = edges.flatMap((edge) => [...edge.viewers, edge.canary]);
    viewers.push(...all);
    await until(() => all.every((viewer) => viewer.open), 30_000, "every viewer connected");
    return {
      engines,
      network,
      roles,
      second,
      slots,
      streams,
      tokens,
      canaryToken,
      moderatorToken,
      ingestUrl,
      archiveUrl,
      roleUrl,
      edgePort: edgePort!,
      edges,
      viewers: edges.flatMap((edge) => edge.viewers),
      canaryViewer: edges[0]!.canary,
      sayRoleOutputs,
      stop,
    };
  } catch (error) {
    sayRoleOutputs();
    await stop();
    throw error;
  }
}
