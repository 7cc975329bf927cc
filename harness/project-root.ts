import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project's top folder, found by walking up to package.json: this file runs both from its
 * source (under vitest) and compiled under dist/ (benches), at different depths.
 */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above the harness");
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot();

/** The compiled command-line entry point every role process runs (built by `npm run build`). */
export const MAIN_JS = join(PROJECT_ROOT, "dist", "app", "main.js");

/**
 * The node flags a role's process runs with, as the deployment examples start it: ingest gets a
 * young generation large enough that a request's objects die young instead of being copied
 * into the old one while the request waits for the log (about a tenth less CPU per comment).
 * The edge and the one-process mode keep V8's default, which costs tens of MB less: memory
 * per viewer is what an edge is sized by.
 */
export function serverNodeFlags(role: string): readonly string[] {
  return role === "ingest" ? ["--max-semi-space-size=32"] : [];
}

/** Node flags given in an environment variable, space-separated (`--cpu-prof --cpu-prof-dir=/tmp/p`). */
export function nodeFlagsFrom(variable: string): string[] {
  return (process.env[variable] ?? "").split(" ").filter(Boolean);
}
