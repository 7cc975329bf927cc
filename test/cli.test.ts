// The `livecomments` command line: config, token, post and tail against a running process.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { promisify } from "node:util";
import { decodeJwt } from "jose";
import { freePort } from "../harness/free-port.js";
import type { RoleProcess } from "../harness/role-process.js";
import { MAIN_JS as MAIN, PROJECT_ROOT } from "../harness/project-root.js";
import { startRole } from "../harness/role-process.js";

/** Runs `livecomments ...args` to its end: exit code and output. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("livecomments command line", () => {
  const dir = mkdtempSync(join(tmpdir(), "lc-cli-"));
  let server: RoleProcess;
  let env: Record<string, string>;
  beforeAll(async () => {
    const [http, grpc] = [await freePort(), await freePort()];
    env = { LC_DATA_DIR: join(dir, "data"), PORT: String(http), GRPC_PORT: String(grpc), HOST: "127.0.0.1", LC_LOG: "quiet" };
    server = await startRole("all", env, /Live Comments is running/);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should print the effective configuration, file under environment, secrets hidden", async () => {
    const file = join(dir, "lc.env");
    writeFileSync(file, "# batch window\nLC_BATCH_MS=40\nLC_MAX_VIEWERS=77\nLC_JWT_SECRET='from-the-file'\n");
    const { code, stdout } = await cli(["config", "edge"], { ...env, LC_CONFIG_FILE: file, LC_MAX_VIEWERS: "88", LC_TYPO_VAR: "1" });
    assert.equal(code, 0);
    const shown = JSON.parse(stdout) as { role: string; configFile: string; config: Record<string, unknown>; unknown: string[] };
    assert.equal(shown.role, "edge");
    assert.equal(shown.configFile, file);
    assert.equal(shown.config.defaultBatchMs, 40, "from the file");
    assert.equal(shown.config.maxViewers, 88, "the environment wins over the file");
    assert.equal(shown.config.jwtSecret, "set");
    assert.ok(!stdout.includes("from-the-file"), "the secret itself is never printed");
    assert.deepEqual(shown.unknown, ["LC_TYPO_VAR"]);
  });

  it("should answer the container health check: 0 while the process answers, 1 when nothing does", async () => {
    const healthy = await cli(["healthcheck"], env);
    assert.equal(healthy.code, 0, healthy.stderr);
    const nothing = await cli(["healthcheck"], { ...env, PORT: String(await freePort()) });
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /livecomments healthcheck: .*ECONNREFUSED/);
  });

  it("should refuse a bad variable or a file typo with exit 2, naming it", async () => {
    const bad = await cli(["config"], { ...env, LC_BATCH_MS: "soon" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /LC_BATCH_MS must be an integer from 0 to 1000, got "soon"/);
    const file = join(dir, "typo.env");
    writeFileSync(file, "LC_BATCHMS=40\n");
    const typo = await cli(["config"], { ...env, LC_CONFIG_FILE: file });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /LC_BATCHMS is not a variable of Live Comments/);
    const role = await cli(["all"], { ...env, LC_CONFIG_FILE: file });
    assert.equal(role.code, 2, "a role does not start on it either");
    assert.match(role.stderr, /bad configuration: .*LC_BATCHMS/);
  });

  it("should print its version, help on every subcommand, and refuse a wrong call with exit 2 and the usage", async () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
    const version = await cli(["--version"], env);
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `livecomments ${manifest.version}\n`);
    const names = ["config", "token", "post", "tail", "healthcheck", "all", "ingest", "relay", "edge", "archive"];
    const helps = await Promise.all(names.map((name) => cli([name, "--help"], env)));
    names.forEach((name, i) => {
      assert.equal(helps[i]!.code, 0, `${name} --help: ${helps[i]!.stderr}`);
      assert.match(helps[i]!.stdout, new RegExp(`^usage: livecomments (${name} |\\[)`), name);
    });
    const [unknownOption, missing, unknownCommand, roleArgs] = await Promise.all([
      cli(["token", "--subject", "x"], env),
      cli(["post", "only-a-stream"], env),
      cli(["serve"], env),
      cli(["edge", "--port", "1"], env),
    ]);
    assert.equal(unknownOption.code, 2);
    assert.match(unknownOption.stderr, /livecomments token: .*--subject[\s\S]*usage: livecomments token /);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /usage: livecomments post /);
    assert.equal(unknownCommand.code, 2);
    assert.match(unknownCommand.stderr, /unknown command "serve"[\s\S]*usage: livecomments /);
    assert.equal(roleArgs.code, 2);
    assert.match(roleArgs.stderr, /usage: livecomments \[all/);
  });

  it("should mint a token, post with it and tail the stream from a seq and live", async () => {
    const admin = (await cli(["token", "--sub", "admin", "--scope", "streams:admin", "--ttl", "600"], env)).stdout.trim();
    const claims = decodeJwt(admin);
    assert.equal(claims.sub, "admin");
    assert.equal(claims.scope, "streams:admin");
    const created = await fetch(`http://127.0.0.1:${env.PORT}/v1/streams`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ stream_id: "cli-stream" }),
    });
    assert.equal(created.status, 201);

    const first = await cli(["post", "cli-stream", "first from the cli", "--sub", "carol"], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal((JSON.parse(first.stdout) as { seq: number }).seq, 1);

    const tail = spawn(process.execPath, [MAIN, "tail", "cli-stream", "--from-seq", "0"], { env: { PATH: process.env.PATH ?? "", ...env } });
    const lines: { seq: number; text: string; user_id: string }[] = [];
    let buffered = "";
    tail.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split("\n");
      buffered = complete.pop()!;
      for (const line of complete) lines.push(JSON.parse(line) as (typeof lines)[number]);
    });
    const until = async (count: number) => {
      for (const deadline = Date.now() + 10_000; lines.length < count && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    try {
      await until(1);
      const second = await cli(["post", "cli-stream", "second, live", "--url", `http://127.0.0.1:${env.PORT}`], env);
      assert.equal(second.code, 0, second.stderr);
      await until(2);
      assert.deepEqual(
        lines.map((line) => [line.seq, line.text, line.user_id]),
        [
          [1, "first from the cli", "carol"],
          [2, "second, live", "cli"],
        ],
      );
    } finally {
      tail.kill("SIGINT");
    }
    const exitCode = await new Promise<number | null>((resolve) => tail.once("exit", (code) => resolve(code)));
    assert.equal(exitCode, 0, "tail ends cleanly on Ctrl-C");

    const refused = await cli(["post", "no-such-stream", "x"], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HTTP 404: .*stream_not_found/);
    const usage = await cli(["tail"], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: livecomments tail <stream_id>/);
  });
});
