import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Every namespace a run makes is named `lcnet<pid>-<host>`: a later run removes those whose process is gone. */
const NAMESPACE_PREFIX = "lcnet";
/** The addresses of the virtual hosts and their links: a block no real network here uses. */
const BLOCK = "10.98";

/**
 * A small virtual network on this machine: each host a network namespace of its own with one
 * address (on its loopback interface), and a link from every host to every other (a veth pair,
 * each end in a one-port bridge of its host's), so a link between two hosts can be cut without
 * touching the others. The test process, in the
 * machine's own namespace, is the client host: it has a link to every host and reaches each at
 * its address.
 *
 * A cut brings one end of a link down (see `bridgeEnd`): both hosts see the other fall silent.
 * Their packets go out and vanish, no RST and no FIN ever come back, and neither kernel reports
 * an error, which is what a cut cable does.
 *
 * Needs root (ip netns, veth). Traffic stays on the machine: every address is inside a
 * namespace the network made, and the namespaces have no route anywhere else.
 */
export class VirtualNetwork {
  /** Links brought down, as "<host>:<peer>" (the host whose end went down), so that a heal restores exactly those. */
  private readonly down = new Set<string>();

  private constructor(
    private readonly hosts: readonly string[],
    private readonly id: string,
  ) {}

  /** Creates the namespaces and links of `hosts` (short names: letters and digits, at most 10). */
  static async create(hosts: readonly string[]): Promise<VirtualNetwork> {
    for (const host of hosts) if (!/^[a-z][a-z0-9]{0,9}$/.test(host)) throw new Error(`host name ${host}: letters and digits, at most 10`);
    await removeAbandonedNamespaces();
    const network = new VirtualNetwork(hosts, String(process.pid));
    try {
      await network.build();
    } catch (error) {
      await network.dispose();
      throw error;
    }
    return network;
  }

  /** The host's address, which its processes bind and the others dial. */
  address(host: string): string {
    return `${BLOCK}.0.${this.indexOf(host) + 1}`;
  }

  /** The command prefix that runs a program on the host. */
  launcher(host: string): string[] {
    return ["ip", "netns", "exec", this.namespace(host)];
  }

  /** Cuts the link between `a` and `b` (its end in `b`'s namespace goes down): neither hears from the other. */
  async cut(a: string, b: string): Promise<void> {
    await this.bringDown(b, a);
  }

  /** Cuts every link of the host. */
  async isolate(host: string): Promise<void> {
    for (const other of ["client", ...this.hosts.filter((h) => h !== host)]) await this.bringDown(host, other);
  }

  /** Brings every cut link back up. */
  async heal(): Promise<void> {
    for (const entry of [...this.down]) {
      const [host, peer] = entry.split(":") as [string, string];
      await this.ip(host, "link", "set", portName(peer), "up");
      this.down.delete(entry);
    }
  }

  /** Removes every namespace (and with them every link). */
  async dispose(): Promise<void> {
    for (const host of this.hosts) await run("ip", ["netns", "del", this.namespace(host)]).catch(() => {});
  }

  private async bringDown(host: string, peer: string): Promise<void> {
    await this.ip(host, "link", "set", portName(peer), "down");
    this.down.add(`${host}:${peer}`);
  }

  private async build(): Promise<void> {
    for (const host of this.hosts) {
      await run("ip", ["netns", "add", this.namespace(host)]);
      await this.ip(host, "link", "set", "lo", "up");
      await this.ip(host, "addr", "add", `${this.address(host)}/32`, "dev", "lo");
    }
    // The client's links: the machine's end has an address of its own and a route to the host.
    for (const host of this.hosts) {
      const outside = `lc${this.id}-${this.indexOf(host)}`;
      const [machineEnd, hostEnd] = this.clientLinkAddresses(host);
      await run("ip", [
        "link",
        "add",
        outside,
        "address",
        this.mac("client", host),
        "type",
        "veth",
        "peer",
        "name",
        portName("client"),
        "netns",
        this.namespace(host),
      ]);
      await run("ip", ["link", "set", outside, "up"]);
      await run("ip", ["addr", "add", `${machineEnd}/32`, "dev", outside]);
      await run("ip", ["route", "replace", `${this.address(host)}/32`, "dev", outside, "src", machineEnd]);
      await run("ip", ["neigh", "replace", this.address(host), "lladdr", this.mac(host, "client"), "dev", outside, "nud", "permanent"]);
      await this.bridgeEnd(host, "client");
      await this.ip(host, "addr", "add", `${hostEnd}/32`, "dev", linkName("client"));
      await this.routeTo(host, "client");
    }
    for (const [i, a] of this.hosts.entries()) {
      for (const b of this.hosts.slice(i + 1)) {
        await run("ip", ["link", "add", portName(b), "netns", this.namespace(a), "type", "veth", "peer", "name", portName(a), "netns", this.namespace(b)]);
        for (const [self, peer] of [
          [a, b],
          [b, a],
        ] as const) {
          await this.bridgeEnd(self, peer);
          await this.routeTo(self, peer);
        }
      }
    }
  }

  /**
   * The host's route to its peer over their link, and the peer's link address as a permanent
   * neighbour: nothing is ever looked up, so nothing fails loudly while the link is cut.
   */
  private async routeTo(host: string, peer: string): Promise<void> {
    const address = peer === "client" ? this.clientLinkAddresses(host)[0] : this.address(peer);
    await this.ip(host, "route", "replace", `${address}/32`, "dev", linkName(peer), "src", this.address(host));
    await this.ip(host, "neigh", "replace", address, "lladdr", this.mac(peer, host), "dev", linkName(peer), "nud", "permanent");
  }

  /**
   * A host's end of its link to `peer`: the veth enslaved to a bridge of its own, which carries
   * the route. When either veth of the pair goes down, both bridges lose their only port: their
   * routes stay, and what is sent over them is dropped without a word. Neither kernel reports a
   * local error and TCP on both sides backs off, as it does when a cable is cut.
   */
  private async bridgeEnd(host: string, peer: string): Promise<void> {
    await this.ip(host, "link", "add", linkName(peer), "address", this.mac(host, peer), "type", "bridge");
    await this.ip(host, "link", "set", portName(peer), "master", linkName(peer));
    await this.ip(host, "link", "set", portName(peer), "up");
    await this.ip(host, "link", "set", linkName(peer), "up");
  }

  /** The link address of `host`'s end of its link to `peer` ("client": the machine). */
  private mac(host: string, peer: string): string {
    const index = (name: string) => (name === "client" ? 0 : this.indexOf(name) + 1);
    return `02:98:00:00:${index(host).toString(16).padStart(2, "0")}:${index(peer).toString(16).padStart(2, "0")}`;
  }

  /** The two ends of the client's link to the host: the machine's, the host's. */
  private clientLinkAddresses(host: string): [string, string] {
    const base = 4 * (this.indexOf(host) + 1);
    return [`${BLOCK}.255.${base + 1}`, `${BLOCK}.255.${base + 2}`];
  }

  private indexOf(host: string): number {
    const index = this.hosts.indexOf(host);
    if (index < 0) throw new Error(`no host ${host} in this network`);
    return index;
  }

  private namespace(host: string): string {
    return `${NAMESPACE_PREFIX}${this.id}-${host}`;
  }

  private async ip(host: string, ...args: string[]): Promise<void> {
    await run("ip", ["-n", this.namespace(host), ...args]);
  }
}

/** Each link's bridge is named for the host at its other end. */
function linkName(peer: string): string {
  return `to-${peer}`;
}

/** The veth end in a link's bridge. */
function portName(peer: string): string {
  return `v-${peer}`;
}

/** Namespaces of runs whose process is gone (killed before it could clean up). */
async function removeAbandonedNamespaces(): Promise<void> {
  const { stdout } = await run("ip", ["netns", "list"]);
  for (const line of stdout.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const owner = new RegExp(`^${NAMESPACE_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    await run("ip", ["netns", "del", name]).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
