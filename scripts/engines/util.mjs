// Shared helpers of the engine scripts: cache folders, Maven downloads, ports, processes.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where downloads are kept between runs, outside the repository. */
export const CACHE_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "livecomments");

/** A failure that names the engine and says what to look at. */
export class EngineError extends Error {}

export function log(message) {
  process.stderr.write(`[engines] ${message}\n`);
}

/** Whether something accepts TCP connections on host:port. */
export function isPortOpen(port, host = "127.0.0.1", timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Retries `probe` until it resolves truthy or `timeoutMs` passes; `alive` stops it early. With
 * `started` (what startProcess answered), the process is stopped when it never gets ready, so
 * a failed start leaves nothing running.
 */
export async function waitFor(what, probe, { timeoutMs, alive = () => true, intervalMs = 500, started }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (!alive()) throw new EngineError(`${what}: the process exited while starting`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  if (started) await stopProcess(started.pid, 2_000);
  throw new EngineError(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError.message})` : ""}`);
}

/**
 * Fetches Maven artifacts with their runtime dependencies into `<CACHE_DIR>/<name>/lib`, once.
 * A marker file makes later runs skip Maven entirely.
 */
export function mavenRuntime(name, dependencies) {
  const dir = join(CACHE_DIR, name);
  const lib = join(dir, "lib");
  const marker = join(dir, ".complete");
  if (existsSync(marker)) return lib;
  mkdirSync(dir, { recursive: true });
  const deps = dependencies
    .map(
      ([group, artifact, version]) => `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`,
    )
    .join("\n    ");
  writeFileSync(
    join(dir, "pom.xml"),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>livecomments.engines</groupId><artifactId>${name}</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    ${deps}
  </dependencies>
</project>
`,
  );
  log(`downloading ${name} from Maven Central into ${dir} (first run only)`);
  try {
    execFileSync("mvn", ["-q", "-B", "-f", join(dir, "pom.xml"), "dependency:copy-dependencies", `-DoutputDirectory=${lib}`, "-DincludeScope=runtime"], {
      stdio: ["ignore", "inherit", "inherit"],
    });
  } catch (error) {
    throw new EngineError(`${name}: Maven could not fetch the jars (${error.message}); is mvn installed and Maven Central reachable?`);
  }
  writeFileSync(marker, new Date().toISOString() + "\n");
  return lib;
}

/** The java binary of a JDK 17 (Cassandra runs on 11 or 17 only, never on newer JDKs). */
export function java17() {
  const candidates = [process.env.LC_JAVA17_HOME, "/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-17-openjdk-arm64"];
  if (existsSync("/usr/lib/jvm")) for (const name of readdirSync("/usr/lib/jvm")) if (/17/.test(name)) candidates.push(join("/usr/lib/jvm", name));
  for (const home of candidates) if (home && existsSync(join(home, "bin", "java"))) return join(home, "bin", "java");
  throw new EngineError("no JDK 17 found under /usr/lib/jvm (set LC_JAVA17_HOME); Cassandra 5.0 needs Java 11 or 17");
}

/**
 * Starts a long-running process detached from ours, its output in `logFile`. A `launcher` (a
 * command prefix that execs the rest, such as `ip netns exec <namespace>`) runs it elsewhere.
 */
export function startProcess(command, args, { cwd, logFile, env = process.env, launcher = [] }) {
  const out = openSync(logFile, "a");
  const [program, ...rest] = [...launcher, command, ...args];
  const child = spawn(program, rest, { cwd, env, stdio: ["ignore", out, out], detached: true });
  let exited = false;
  child.once("exit", () => (exited = true));
  child.unref();
  return { pid: child.pid, alive: () => !exited };
}

/** Stops a process we started: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(pid, graceMs = 10_000) {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-pid, "SIGTERM"); // the whole process group: the JVM and anything it spawned
  } catch {
    process.kill(pid, "SIGTERM");
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      process.kill(pid, "SIGKILL");
    }
  }
}
