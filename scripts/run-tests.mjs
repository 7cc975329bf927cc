// Runs every compiled `*.test.js` under dist/ with Node's test runner. Node 20 would also run
// every file under a `test/` folder as a test when given a directory, so the list is explicit.
// Arguments narrow the run to files whose path contains one of them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const find = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : find(path);
    // A compiled test whose source is gone (deleted or renamed) is stale: never run it.
    const source = path.replace(/^dist[\\/]/, "").replace(/\.js$/, ".ts");
    return entry.name.endsWith(".test.js") && existsSync(source) ? [path] : [];
  });
const filters = process.argv.slice(2);
const files = find("dist").filter((file) => filters.length === 0 || filters.some((f) => file.includes(f))).sort();
if (files.length === 0) {
  process.stderr.write("no test files found under dist/\n");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
