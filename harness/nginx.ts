import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { PROJECT_ROOT } from "./project-root.js";
import type { RoleUrls } from "./system.js";

/** The nginx configuration the project ships for the distributed mode. */
export const SHIPPED_NGINX_CONF = join(PROJECT_ROOT, "deploy", "nginx", "livecomments.conf");

/** A running nginx in front of a deployment. */
export interface RunningNginx {
  /** Where clients reach it: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** What nginx logged (errors only). */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * Locations that serve the demo page and its files from the build, as `npm start` does: the
 * distributed roles do not serve it, so a test that drives it through nginx adds these.
 */
function demoLocations(): string {
  const file = (path: string, type: string, location: string) => `    location = ${location} { default_type "${type}"; alias ${join(PROJECT_ROOT, path)}; }
`;
  return (
    `    location = / { default_type "text/html; charset=utf-8"; root ${join(PROJECT_ROOT, "client", "demo")}; try_files /index.html =404; }
` +
    file("client/demo/demo.css", "text/css; charset=utf-8", "/demo/demo.css") +
    file("dist/browser/demo.js", "text/javascript; charset=utf-8", "/demo/demo.js") +
    file("client/demo/replay.webm", "video/webm", "/demo/replay.webm")
  );
}

/**
 * Runs Debian's nginx (`nginx-light`, which `npm test` installs) on the shipped configuration,
 * with only the upstream addresses and the listen port replaced: what is tested is the file a
 * platform team would copy. With `serveDemo`, it also serves the demo page from the build.
 */
export async function startNginx(upstreams: RoleUrls, options: { serveDemo?: boolean } = {}): Promise<RunningNginx> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "lc-nginx-"));
  let conf = readFileSync(SHIPPED_NGINX_CONF, "utf8");
  for (const role of ["ingest", "edge", "archive"] as const) {
    const address = new URL(upstreams[role]).host;
    const block = new RegExp(`(upstream livecomments_${role} \\{[^}]*?server )[^;\\s]+;`);
    if (!block.test(conf)) throw new Error(`${SHIPPED_NGINX_CONF} has no upstream livecomments_${role} with a server`);
    conf = conf.replace(block, `$1${address};`);
  }
  if (!/listen 8080;/.test(conf)) throw new Error(`${SHIPPED_NGINX_CONF} does not listen on 8080`);
  conf = conf.replace("listen 8080;", `listen 127.0.0.1:${port};`);
  if (options.serveDemo) conf = conf.replace("    location / {", `${demoLocations()}    location / {`);
  writeFileSync(join(dir, "livecomments.conf"), conf);
  writeFileSync(join(dir, "nginx.conf"), nginxMainConf(dir, { workerConnections: 4096, http: `include ${dir}/livecomments.conf;` }));
  // One process, in the foreground: it is this test's child, and dies with it.
  const child = spawn("/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off; master_process off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const errors = () => {
    try {
      return stderr + readFileSync(join(dir, "error.log"), "utf8");
    } catch {
      return stderr;
    }
  };
  for (const deadline = Date.now() + 10_000; ;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start:\n${errors()}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nginx did not listen in time:\n${errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The main nginx.conf of an nginx run as one process under `prefix` (`nginx -p prefix`): its
 * error log, pid and temporary folders there, no access log, `http` inside the http block.
 */
export function nginxMainConf(prefix: string, options: { preamble?: string; workerConnections: number; http: string }): string {
  return `${options.preamble ?? ""}error_log ${prefix}/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections ${options.workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  ${options.http}
}
`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
  });
}
