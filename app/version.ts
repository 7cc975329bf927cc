import { readFileSync } from "node:fs";

/**
 * The version of Live Comments this process runs, from the package.json beside its code: one
 * folder up from the sources, two from the built dist/app/ (and in the container image).
 */
export function packageVersion(): string {
  for (const path of ["../../package.json", "../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (manifest.name === "livecomments" && typeof manifest.version === "string") return manifest.version;
    } catch {
      // not there from this folder: try the next
    }
  }
  return "unknown";
}
