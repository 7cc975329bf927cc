import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "./project-root.js";

const run = promisify(execFile);

/** What a command printed, and its exit code (0 when it succeeded). */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end without throwing on a failure: the caller reads the code. */
export async function runCommand(file: string, args: readonly string[], cwd: string, timeoutMs = 180_000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, [...args], { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof failed.code === "number" ? failed.code : 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? failed.message };
  }
}

/** `npm pack` in client/, as a publisher runs it: builds the package and writes its tarball into `into`. */
export async function packClient(into: string): Promise<string> {
  const packed = await runCommand("npm", ["pack", "--json", "--pack-destination", into], join(PROJECT_ROOT, "client"));
  if (packed.code !== 0) throw new Error(`npm pack failed (${packed.code}): ${packed.stderr}`);
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as [{ filename: string }];
  return join(into, filename);
}

/** Packages the scratch app takes from this project's node_modules instead of the registry. */
const LINKED_PACKAGES = ["react", "react-dom", "scheduler", "@types/react", "@types/react-dom", "csstype"];

/**
 * A scratch web app in a temporary folder, as a user would make one: its own package.json and
 * `files`, the SDK installed from `tarball` with npm (no registry needed: it has no
 * dependencies), React linked from this project's node_modules.
 */
export async function scratchApp(tarball: string, files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "lc-scratch-app-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch-app", private: true, type: "module" }));
  const installed = await runCommand("npm", ["install", tarball, "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], dir);
  if (installed.code !== 0) throw new Error(`npm install of ${tarball} failed (${installed.code}): ${installed.stderr}`);
  for (const name of LINKED_PACKAGES) {
    mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
    symlinkSync(join(PROJECT_ROOT, "node_modules", name), join(dir, "node_modules", name), "dir");
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** This project's TypeScript compiler over a scratch app's tsconfig. */
export function typeCheck(dir: string, project = "tsconfig.json"): Promise<CommandResult> {
  return runCommand(process.execPath, [join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", project], dir);
}

/** This project's Vite building a scratch app into its dist/. */
export function viteBuild(dir: string): Promise<CommandResult> {
  return runCommand(process.execPath, [join(PROJECT_ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], dir);
}
