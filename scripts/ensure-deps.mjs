// Installs the locked dependencies when node_modules is missing or older than the lock file,
// so `npm start` and `npm test` work on a fresh clone with nothing installed beforehand.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const lock = "package-lock.json";
const installed = "node_modules/.package-lock.json";
const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  process.stderr.write("Installing dependencies (npm ci)...\n");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
}
