import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintToken } from "../core/auth/dev-token.js";
import { nginxMainConf } from "../harness/nginx.js";
import { MAIN_JS as MAIN, nodeFlagsFrom } from "../harness/project-root.js";

/** nginx's nchan module, from Debian's libnginx-mod-nchan. */
export const NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so";

/** A server under benchmark: how to subscribe, how to publish, which process to measure. */
export interface BenchTarget {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** The path a viewer GETs for the event stream. */
  readonly subscribePath: string;
  /** Publishes one comment with the given text; resolves when the server accepted it. */
  publish(text: string): Promise<void>;
  stop(): Promise<void>;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
  });
}

/** Runs a command with the open-file limit raised to the hard limit (20,000 here). */
function spawnWithFileLimit(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return spawn("bash", ["-c", `ulimit -n $(ulimit -Hn) && exec ${quoted}`], { env, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Starts a peer server configured in `prefix` (removed, and `onExit` run, when it exits) and
 * waits until `ports` listen; otherwise kills it and fails with what it printed.
 */
async function startPeer(
  name: string,
  command: string,
  args: readonly string[],
  prefix: string,
  ports: readonly number[],
  timeoutMs: number,
  onExit = () => {},
): Promise<ChildProcess> {
  const child = spawnWithFileLimit(command, args, { PATH: process.env.PATH });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.once("exit", () => {
    onExit();
    rmSync(prefix, { recursive: true, force: true });
  });
  await Promise.all(ports.map((p) => waitForPort(p, timeoutMs))).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw new Error(`${name} did not start: ${output || String(error)}`);
  });
  return child;
}

/** POSTs, reads the whole answer, and fails unless `accepted` holds for its status. */
async function postExpecting(
  url: string,
  init: { headers?: Record<string, string>; body: string },
  accepted: (status: number) => boolean,
  what: string,
): Promise<void> {
  const response = await fetch(url, { method: "POST", ...init });
  await response.arrayBuffer();
  if (!accepted(response.status)) throw new Error(`${what} answered ${response.status}`);
}

/** Live Comments as a target; its poster token lets a benchmark craft requests of its own. */
export interface LiveCommentsTarget extends BenchTarget {
  readonly posterToken: string;
}

/**
 * Live Comments in one process (`npm start`): the edge plus ingest, relay and archive, with
 * limits opened up for the load unless `env` sets them.
 */
export async function startLiveComments(port: number, batchMs: number, env: Readonly<Record<string, string>> = {}): Promise<LiveCommentsTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), "lc-bench-"));
  const secret = randomBytes(16).toString("hex");
  const child = spawnWithFileLimit(process.execPath, [...nodeFlagsFrom("LC_BENCH_NODE_ARGS"), MAIN, "all"], {
    PATH: process.env.PATH,
    HOST: "127.0.0.1",
    PORT: String(port),
    GRPC_PORT: "0",
    LC_DATA_DIR: dataDir,
    LC_JWT_SECRET: secret,
    LC_LOG: "quiet",
    LC_RATE_LIMITS: "off",
    LC_MAX_VIEWERS: "30000",
    LC_MAX_VIEWERS_PER_IP: "30000",
    LC_MAX_CONNECTIONS: "30000",
    ...env,
  });
  // Spawned through bash with exec: the pid is node's.
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  await waitForPort(port, 30_000);
  const base = `http://127.0.0.1:${port}`;
  const admin = await mintToken(secret, { sub: "bench-admin", scope: "streams:admin" });
  const poster = await mintToken(secret, { sub: "bench-poster", name: "Bench" });
  const created = await fetch(`${base}/v1/streams`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ stream_id: "bench" }),
  });
  if (created.status !== 201) throw new Error(`creating the bench stream: ${created.status}`);
  return {
    name: batchMs === 0 ? "Live Comments, batch_ms=0" : `Live Comments, batch_ms=${batchMs}`,
    pid: child.pid!,
    port,
    posterToken: poster,
    subscribePath: `/v1/streams/bench/comments/subscribe?batch_ms=${batchMs}&max_rate=1000`,
    publish: (text) =>
      postExpecting(
        `${base}/v1/streams/bench/comments`,
        { headers: { authorization: `Bearer ${poster}`, "content-type": "application/json" }, body: JSON.stringify({ text }) },
        (status) => status === 202,
        "post",
      ),
    stop: () => stopChild(child),
  };
}

/** nginx with the nchan module, one process, configured here on loopback. */
export async function startNchan(port: number): Promise<BenchTarget> {
  if (!existsSync(NCHAN_MODULE)) throw new Error(`nchan is not installed (${NCHAN_MODULE}); apt-get install nginx libnginx-mod-nchan`);
  const prefix = mkdtempSync(join(tmpdir(), "lc-nchan-"));
  writeFileSync(
    join(prefix, "nginx.conf"),
    nginxMainConf(prefix, {
      preamble: `load_module ${NCHAN_MODULE};\nworker_rlimit_nofile 20000;\n`,
      workerConnections: 20_000,
      http: `server {
    listen 127.0.0.1:${port};
    location ~ ^/sub/(\\w+)$ { nchan_subscriber eventsource; nchan_channel_id $1; }
    location ~ ^/pub/(\\w+)$ { nchan_publisher; nchan_channel_id $1; nchan_message_buffer_length 200; }
  }`,
    }),
  );
  const child = await startPeer(
    "nginx",
    "nginx",
    ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-g", "daemon off; master_process off;"],
    prefix,
    [port],
    10_000,
  );
  return {
    name: "nginx + nchan",
    pid: child.pid!,
    port,
    subscribePath: "/sub/bench",
    publish: (text) => postExpecting(`http://127.0.0.1:${port}/pub/bench`, { body: text }, (status) => status < 300, "nchan publish"),
    stop: () => stopChild(child),
  };
}

/**
 * Pushpin, configured here on loopback: viewers connect to Pushpin, which asks a small origin
 * (in this process) what to do with the request; the origin answers with a GRIP hold on the
 * channel, and comments are published to Pushpin's HTTP publish endpoint. Its CPU and memory
 * are those of all its processes (runner, condure, zurl, proxy, handler); zurl, which Debian
 * runs as a system service, is run here as one of Pushpin's own.
 */
export async function startPushpin(port: number): Promise<BenchTarget> {
  if (!existsSync("/usr/bin/pushpin")) throw new Error("Pushpin is not installed; apt-get install pushpin");
  const origin = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "grip-hold": "stream", "grip-channel": "bench" });
    res.end("retry: 2000\n\n");
  });
  // Pushpin asks the origin about every new viewer, so a burst of viewers is a burst of origin
  // connections: a deep accept queue. (Pushpin still answers 502 to part of a burst of
  // thousands; the cause is not found, see BENCHMARKS.md.)
  await new Promise<void>((resolve) => origin.listen({ port: 0, host: "127.0.0.1", backlog: 8192 }, () => resolve()));
  const originPort = (origin.address() as AddressInfo).port;
  const prefix = mkdtempSync(join(tmpdir(), "lc-pushpin-"));
  // Pushpin's internal ports are its defaults plus port_offset: one offset per benchmark port.
  const offset = port - 7_999 + 10_000;
  const publishPort = 5_561 + offset;
  writeFileSync(join(prefix, "routes"), `* 127.0.0.1:${originPort}\n`);
  writeFileSync(
    join(prefix, "pushpin.conf"),
    `[global]
include={libdir}/internal.conf
rundir=${prefix}/run
ipc_prefix=lc-bench-
port_offset=${offset}
[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:${port}
logdir=${prefix}/log
log_level=1
client_maxconn=30000
condure_bin=condure
zurl_bin=zurl
[proxy]
routesfile=${prefix}/routes
zurl_out_specs=ipc://{rundir}/{ipc_prefix}zurl-in
zurl_out_stream_specs=ipc://{rundir}/{ipc_prefix}zurl-in-stream
zurl_in_specs=ipc://{rundir}/{ipc_prefix}zurl-out
updates_check=off
[handler]
push_in_spec=tcp://127.0.0.1:5560
push_in_sub_specs=tcp://127.0.0.1:5562
push_in_http_addr=127.0.0.1
push_in_http_port=5561
stats_spec=ipc://{rundir}/{ipc_prefix}stats
command_spec=tcp://127.0.0.1:5563
message_rate=10000000
message_hwm=1000000
`,
  );
  const child = await startPeer("Pushpin", "pushpin", ["--config", join(prefix, "pushpin.conf")], prefix, [port, publishPort], 20_000, () => origin.close());
  return {
    name: "Pushpin",
    pid: child.pid!,
    port,
    subscribePath: "/sub/bench",
    publish: (text) =>
      postExpecting(
        `http://127.0.0.1:${publishPort}/publish/`,
        {
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ items: [{ channel: "bench", formats: { "http-stream": { content: `event: message\ndata: ${text}\n\n` } } }] }),
        },
        (status) => status < 300,
        "Pushpin publish",
      ),
    stop: () => stopChild(child),
  };
}
