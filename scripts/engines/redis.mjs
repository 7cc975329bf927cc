// Redis: the one already on the port, else Debian's redis-server (installed when missing).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { EngineError, isPortOpen, log, startProcess, waitFor } from "./util.mjs";

async function ping(port, host = "127.0.0.1") {
  const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {}); // a refused probe is an answer, not an error to print
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } finally {
    client.disconnect();
  }
}

function redisServerBinary() {
  for (const path of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) if (existsSync(path)) return path;
  log("Redis: redis-server is missing; installing Debian's package");
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "redis-server"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (error) {
    throw new EngineError(`Redis: installing redis-server failed (${error.message}); install it, or start Redis on the port`);
  }
  if (existsSync("/usr/bin/redis-server")) return "/usr/bin/redis-server";
  throw new EngineError("Redis: redis-server is still missing after apt-get install");
}

/**
 * Uses a Redis already on the port, or starts one; resolves with how to reach and stop it.
 * The redis-server binary is made available either way (LC_REDIS_SERVER), for tests that run
 * more instances of their own, such as two regions. A `durable` one writes every command to its
 * append-only file before answering, so a kill -9 loses nothing it acknowledged (bans and held
 * comments live there). `host` is the address it binds; `launcher` a command prefix that runs it
 * elsewhere (a network namespace of the fault suite's).
 */
export async function ensureRedis({ port, runDir, durable = false, host = "127.0.0.1", launcher = [] }) {
  const env = { LC_REDIS_URL: `redis://${host}:${port}`, LC_REDIS_SERVER: redisServerBinary() };
  if (await isPortOpen(port, host)) {
    if (await ping(port, host).catch(() => false)) {
      log(`Redis: using the server already on ${host}:${port}`);
      return { env, started: undefined };
    }
    throw new EngineError(`Redis: port ${port} is taken by something that does not answer PING`);
  }
  const dir = join(runDir, "redis");
  mkdirSync(dir, { recursive: true });
  log(`Redis: starting on ${host}:${port}`);
  const started = startProcess(
    env.LC_REDIS_SERVER,
    [
      ...["--port", String(port), "--bind", host, "--save", "", "--dir", dir, "--daemonize", "no"],
      // Without a password, protected mode takes clients from loopback only; an address of
      // the fault suite's own network is reachable from that network alone.
      ...(host === "127.0.0.1" ? [] : ["--protected-mode", "no"]),
      ...(durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    ],
    { cwd: dir, logFile: join(dir, "redis.log"), launcher },
  );
  await waitFor(`Redis on ${host}:${port} (see ${join(dir, "redis.log")})`, () => ping(port, host), { timeoutMs: 20_000, alive: started.alive, started });
  log("Redis: ready");
  return { env, started };
}

/**
 * Starts a Redis of its own that takes only TLS (the test's certificate and key, PEM) and only
 * the ACL user `user` with `password` (the default user is off): what a managed Redis asks of
 * its clients. Resolves with its `rediss://` URL (no credentials in it) and how to stop it.
 */
export async function startSecuredRedis({ port, runDir, certFile, keyFile, caFile, user, password }) {
  const dir = join(runDir, "redis-secured");
  mkdirSync(dir, { recursive: true });
  log(`Redis: starting with TLS and ACL user ${user} on 127.0.0.1:${port}`);
  const started = startProcess(
    redisServerBinary(),
    [
      ...["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1"],
      ...["--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", caFile, "--tls-auth-clients", "no"],
      ...["--user", "default", "off", "--user", user, "on", `>${password}`, "~*", "&*", "+@all"],
      ...["--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"],
    ],
    { cwd: dir, logFile: join(dir, "redis.log") },
  );
  const probe = async () => {
    const client = new Redis({
      host: "127.0.0.1",
      port,
      username: user,
      password,
      tls: { ca: readFileSync(caFile) },
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      return (await client.ping()) === "PONG";
    } finally {
      client.disconnect();
    }
  };
  await waitFor(`Redis with TLS on 127.0.0.1:${port} (see ${join(dir, "redis.log")})`, probe, { timeoutMs: 20_000, alive: started.alive, started });
  log("Redis (TLS, ACL): ready");
  return { url: `rediss://127.0.0.1:${port}`, started };
}
