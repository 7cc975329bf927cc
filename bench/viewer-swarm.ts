// A child process of the edge benchmark: holds many SSE viewers on raw sockets, spread across
// loopback source addresses, and records what each receives. Driven over IPC by edge-bench.
import type { Asked } from "./ask.js";
import { answer } from "./ask.js";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { HISTOGRAM_BUCKETS, record } from "./latency-histogram.js";
import { readResponseHead } from "../harness/raw-http.js";

/** Messages from the benchmark. */
export type SwarmCommand =
  | { readonly type: "open"; readonly port: number; readonly path: string; readonly count: number; readonly firstAddress: number; readonly expected: number }
  | { readonly type: "report" }
  | { readonly type: "close" };

/** What a swarm reports. */
export interface SwarmReport {
  readonly type: "report";
  readonly connected: number;
  readonly failed: number;
  readonly closed: number;
  readonly deliveries: number;
  readonly duplicates: number;
  /** `reset` events received: the viewer was told to reload from the playback API. */
  readonly resets: number;
  /** Comments (of `expected`) each admitted viewer never got, summed over viewers. */
  readonly missing: number;
  /** Viewers that missed anything; of those, how many missed only a head (everything before some index) or only a tail. */
  readonly viewersMissing: number;
  readonly viewersMissingHead: number;
  readonly viewersMissingTail: number;
  readonly histogram: number[];
}

const MARKER = /b(\d+)@(\d+)/g;
/** Viewers opened at once, and the pause between such steps. */
const OPEN_STEP = 500;
const OPEN_STEP_MS = 100;

interface Viewer {
  socket: Socket;
  pending: string;
  seen: Uint8Array;
  open: boolean;
  /** Whether it ever got its 200: only those count as missing comments. */
  admitted: boolean;
}

const viewers: Viewer[] = [];
const histogram = new Uint32Array(HISTOGRAM_BUCKETS);
let deliveries = 0;
let duplicates = 0;
let resets = 0;
const RESET = /^event: reset$/gm;
let failed = 0;
let closed = 0;

function onData(viewer: Viewer, chunk: Buffer): void {
  viewer.pending += chunk.toString("latin1");
  const end = viewer.pending.lastIndexOf("\n\n");
  if (end < 0) return;
  const complete = viewer.pending.slice(0, end);
  viewer.pending = viewer.pending.slice(end + 2);
  const now = Date.now();
  for (const _ of complete.matchAll(RESET)) resets++;
  for (const match of complete.matchAll(MARKER)) {
    const index = Number(match[1]);
    if (index >= viewer.seen.length) continue;
    if (viewer.seen[index]) {
      duplicates++;
      continue;
    }
    viewer.seen[index] = 1;
    deliveries++;
    record(histogram, now - Number(match[2]));
  }
}

function open(command: Extract<SwarmCommand, { type: "open" }>): Promise<number> {
  let pendingConnects = command.count;
  return new Promise((resolve) => {
    let connected = 0;
    const settle = () => {
      if (--pendingConnects === 0) resolve(connected);
    };
    const openViewer = (i: number) => {
      const address = `127.0.0.${1 + ((command.firstAddress + i) % 250)}`;
      const socket = connect({ host: "127.0.0.1", port: command.port, localAddress: address });
      const viewer: Viewer = { socket, pending: "", seen: new Uint8Array(command.expected), open: false, admitted: false };
      viewers.push(viewer);
      let headers = true;
      socket.setNoDelay(true);
      socket.once("connect", () => socket.write(`GET ${command.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
      socket.on("data", (chunk: Buffer) => {
        if (headers) {
          const head = readResponseHead(chunk);
          if (!head) return;
          headers = false;
          if (head.status !== 200) {
            failed++;
            socket.destroy();
            settle();
            return;
          }
          viewer.open = true;
          viewer.admitted = true;
          connected++;
          settle();
          if (head.bodyStart < chunk.length) onData(viewer, chunk.subarray(head.bodyStart));
          return;
        }
        onData(viewer, chunk);
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        if (!viewer.open && headers) {
          failed++;
          settle();
        } else if (viewer.open) closed++;
        viewer.open = false;
      });
    };
    // Viewers arrive in steps, as they would in life: a server's accept queue is not the
    // subject here (Pushpin drops part of a burst of thousands in the same millisecond).
    for (let first = 0; first < command.count; first += OPEN_STEP) {
      setTimeout(
        () => {
          for (let i = first; i < Math.min(first + OPEN_STEP, command.count); i++) openViewer(i);
        },
        (first / OPEN_STEP) * OPEN_STEP_MS,
      );
    }
  });
}

process.on("message", (command: SwarmCommand & Asked) => {
  if (command.type === "open") {
    void open(command).then((connected) => answer(command, { type: "opened", connected, failed }));
  } else if (command.type === "report") {
    let missing = 0;
    let viewersMissing = 0;
    let viewersMissingHead = 0;
    let viewersMissingTail = 0;
    for (const viewer of viewers) {
      if (!viewer.admitted) continue;
      const gaps = viewer.seen.reduce((sum, seen) => sum + (seen ? 0 : 1), 0);
      if (gaps === 0) continue;
      missing += gaps;
      viewersMissing++;
      // A tail: the last comment seen comes before every missing one (late, or cut off).
      if (viewer.seen.lastIndexOf(1) < viewer.seen.indexOf(0)) viewersMissingTail++;
      // A head: the first comment seen comes after every missing one (joined late).
      else if (viewer.seen.indexOf(1) > viewer.seen.lastIndexOf(0)) viewersMissingHead++;
    }
    const report: SwarmReport = {
      type: "report",
      connected: viewers.length - failed,
      failed,
      closed,
      deliveries,
      duplicates,
      resets,
      missing,
      viewersMissing,
      viewersMissingHead,
      viewersMissingTail,
      histogram: Array.from(histogram),
    };
    answer(command, report);
  } else {
    for (const viewer of viewers) viewer.socket.destroy();
    process.exit(0);
  }
});
