// Slow and hostile clients for the hostile-clients benchmark: viewers that never read or read a
// byte a second, floods of connections, and posters that trickle their request (slowloris), on
// HTTP/1.1 and HTTP/2. Each kind counts what the server did to it.
import { connect as connectHttp2 } from "node:http2";
import type { ClientHttp2Session } from "node:http2";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { readResponseHead } from "../harness/raw-http.js";

/** What one kind of hostile client saw. */
export interface HostileOutcome {
  readonly kind: string;
  readonly opened: number;
  /** Answers by status (a flood's 429s, a slow poster's 408s). */
  readonly statuses: Readonly<Record<string, number>>;
  /** Connections or requests the server ended while the client still held them. */
  readonly closedByServer: number;
  /** Median time from opening to the server's close, ms; null when not timed. */
  readonly medianCloseMs: number | null;
}

/** A group of hostile clients, started at once, measured when stopped. */
export interface HostileGroup {
  stop(): Promise<HostileOutcome>;
}

/** Where the hostile clients go. */
export interface HostileTarget {
  readonly port: number;
  readonly subscribePath: string;
  readonly postPath: string;
  readonly token: string;
}

/** How many of each kind. */
export interface HostilePlan {
  readonly neverReading: number;
  readonly oneBytePerSecond: number;
  readonly silentConnections: number;
  readonly fromOneAddress: number;
  readonly slowHeads: number;
  readonly slowBodies: number;
  /** HTTP/2 connections, each with 100 posts whose body never ends. */
  readonly http2Sessions: number;
}

/** Opens every kind of hostile client at once, each kind from loopback addresses of its own. */
export function openHostileClients(target: HostileTarget, plan: HostilePlan): HostileGroup[] {
  return [
    slowViewers(target, plan.neverReading, 0, 1),
    slowViewers(target, plan.oneBytePerSecond, 1, 2),
    silentConnections(target, plan.silentConnections, 3),
    viewersFromOneAddress(target, plan.fromOneAddress, 4),
    slowPosters(target, plan.slowHeads, "head", 5),
    slowPosters(target, plan.slowBodies, "body", 6),
    slowHttp2Posters(target, plan.http2Sessions, 100),
  ];
}

/** Source addresses on loopback: 127.<block>.x.y, so per-address limits apply as they would. */
function address(block: number, i: number): string {
  return `127.${block}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

class Tally {
  readonly statuses: Record<string, number> = {};
  readonly closeTimes: number[] = [];
  opened = 0;
  status(code: string): void {
    this.statuses[code] = (this.statuses[code] ?? 0) + 1;
  }
  outcome(kind: string): HostileOutcome {
    const sorted = [...this.closeTimes].sort((a, b) => a - b);
    return {
      kind,
      opened: this.opened,
      statuses: this.statuses,
      closedByServer: sorted.length,
      medianCloseMs: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : null,
    };
  }
}

function sseHead(target: HostileTarget): string {
  return `GET ${target.subscribePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`;
}

/**
 * Watches a socket for the response head and the server's close; with `stopReading`, it reads
 * nothing after the head (the server then sees a viewer that never reads).
 */
function watch(socket: Socket, tally: Tally, stopReading = false): void {
  const opened = Date.now();
  let received: Buffer | undefined = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    if (!received) return;
    received = Buffer.concat([received, chunk]);
    const head = readResponseHead(received);
    if (!head) return;
    received = undefined;
    tally.status(String(head.status));
    if (stopReading && head.status === 200) socket.pause();
  });
  socket.on("error", () => {});
  // A close with a FIN or a reset alike; ours come after the outcome is taken.
  socket.once("close", () => tally.closeTimes.push(Date.now() - opened));
}

/**
 * SSE viewers that stop reading (`bytesPerSecond` 0) or read that many bytes a second. Whether
 * the server cut one off shows when the group is stopped: it then reads what is left, and a
 * cut-off viewer reaches the end of its stream.
 */
function slowViewers(target: HostileTarget, count: number, bytesPerSecond: number, addressBlock: number): HostileGroup {
  const tally = new Tally();
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect({ host: "127.0.0.1", port: target.port, localAddress: address(addressBlock, i) });
    socket.on("error", () => {});
    socket.once("connect", () => {
      tally.opened++;
      socket.write(sseHead(target));
      socket.pause();
    });
    sockets.push(socket);
  }
  const trickle = bytesPerSecond > 0 ? setInterval(() => sockets.forEach((s) => s.read(bytesPerSecond)), 1_000) : undefined;
  return {
    async stop() {
      clearInterval(trickle);
      const ended = await drainAndCountEnded(sockets);
      return {
        kind: bytesPerSecond > 0 ? `SSE viewers reading ${bytesPerSecond} byte/s` : "SSE viewers that never read",
        opened: tally.opened,
        statuses: {},
        closedByServer: ended,
        medianCloseMs: null,
      };
    },
  };
}

/**
 * Reads what is left on sockets that stopped reading, then closes them; resolves with how many
 * reached the end of their stream, i.e. had been cut off by the server.
 */
async function drainAndCountEnded(sockets: readonly Socket[]): Promise<number> {
  let ended = 0;
  for (const socket of sockets) {
    if (socket.readableEnded) {
      ended++;
      continue;
    }
    socket.once("end", () => ended++);
    socket.resume();
  }
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  for (const socket of sockets) socket.destroy();
  return ended;
}

/** Connections that never send a byte. */
function silentConnections(target: HostileTarget, count: number, addressBlock: number): HostileGroup {
  const tally = new Tally();
  const sockets = Array.from({ length: count }, (_, i) => {
    const socket = connect({ host: "127.0.0.1", port: target.port, localAddress: address(addressBlock, i) });
    socket.once("connect", () => tally.opened++);
    watch(socket, tally);
    return socket;
  });
  return { stop: async () => (sockets.forEach((s) => s.destroy()), tally.outcome("connections that send nothing")) };
}

/**
 * Many SSE viewers from one address that read nothing once admitted: past the per-address limit
 * they must be refused, and the admitted ones cut off like any viewer that does not read.
 */
function viewersFromOneAddress(target: HostileTarget, count: number, addressBlock: number): HostileGroup {
  const tally = new Tally();
  const sockets = Array.from({ length: count }, () => {
    const socket = connect({ host: "127.0.0.1", port: target.port, localAddress: address(addressBlock, 0) });
    socket.once("connect", () => (tally.opened++, socket.write(sseHead(target))));
    watch(socket, tally, true);
    return socket;
  });
  // The refused ones have ended already; draining shows which admitted ones were cut off.
  return { stop: async () => ({ ...tally.outcome("SSE viewers from one address"), closedByServer: await drainAndCountEnded(sockets) }) };
}

/**
 * Slowloris posters on HTTP/1.1: `part` "head" sends the request head a byte a second; "body"
 * sends the head at once, then the body a byte a second.
 */
function slowPosters(target: HostileTarget, count: number, part: "head" | "body", addressBlock: number): HostileGroup {
  const tally = new Tally();
  const body = JSON.stringify({ text: "slow" }).padEnd(200, " ");
  const head = `POST ${target.postPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${target.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  const trickled = part === "head" ? head : body;
  const sockets = Array.from({ length: count }, (_, i) => {
    const socket = connect({ host: "127.0.0.1", port: target.port, localAddress: address(addressBlock, i) });
    socket.once("connect", () => {
      tally.opened++;
      if (part === "body") socket.write(head);
    });
    watch(socket, tally);
    return socket;
  });
  const sent = new Array<number>(count).fill(0);
  const trickle = setInterval(() => {
    sockets.forEach((socket, i) => {
      if (socket.writable && !socket.connecting) socket.write(trickled[sent[i]!++ % trickled.length]!);
    });
  }, 1_000);
  return {
    async stop() {
      clearInterval(trickle);
      sockets.forEach((s) => s.destroy());
      return tally.outcome(part === "head" ? "posters sending the head 1 byte/s" : "posters sending the body 1 byte/s");
    },
  };
}

/** HTTP/2 posters: `sessions` connections, each with `streams` requests whose body never ends. */
function slowHttp2Posters(target: HostileTarget, sessions: number, streams: number): HostileGroup {
  const tally = new Tally();
  const clients: ClientHttp2Session[] = [];
  for (let s = 0; s < sessions; s++) {
    const client = connectHttp2(`http://127.0.0.1:${target.port}`);
    client.on("error", () => {});
    clients.push(client);
    for (let i = 0; i < streams; i++) {
      const opened = Date.now();
      const request = client.request({
        ":method": "POST",
        ":path": target.postPath,
        authorization: `Bearer ${target.token}`,
        "content-type": "application/json",
        "content-length": "200",
      });
      tally.opened++;
      request.on("error", () => {});
      request.on("response", (headers) => tally.status(String(headers[":status"])));
      request.on("close", () => tally.closeTimes.push(Date.now() - opened));
      request.write("{");
      request.resume();
    }
  }
  return {
    async stop() {
      clients.forEach((c) => c.destroy());
      return tally.outcome("HTTP/2 posters whose body never ends");
    },
  };
}
