// Runs the test suites with vitest on the TypeScript sources (vitest.config.ts: the "unit"
// project, then the "system" one) on this Node, then, for a whole run, every test that needs no
// engine once more on Node 24 (scripts/node24.mjs). Closes with one line of its own,
// `N passed, N failed, N skipped`, counted from vitest's JSON reports of both runs, so CI reads
// the count whatever the reporter.
// Arguments go to vitest and narrow the run to this Node: file filters (`npm test -- edge/`),
// `--project unit`, `-t name`.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { NODE24_VERSION, NODE24, treeForNode24 } from "./node24.mjs";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");

/** Runs vitest with `node` in `cwd`; resolves with its exit status and counts. */
async function runVitest(node, cwd, args) {
  const dir = mkdtempSync(join(tmpdir(), "livecomments-tests-"));
  const report = join(dir, "report.json");
  const child = spawn(
    node,
    [join("node_modules", "vitest", "vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args],
    {
      cwd,
      stdio: "inherit",
    },
  );
  const forward = (signal) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const status = await new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  process.off("SIGINT", forward);
  process.off("SIGTERM", forward);
  let counts = { passed: 0, failed: 1, skipped: 0 };
  if (existsSync(report)) {
    const results = JSON.parse(readFileSync(report, "utf8"));
    counts = {
      passed: results.numPassedTests,
      // A file that failed outside its tests (an import error, a failing beforeAll, whose tests
      // vitest then reports as skipped) counts as one failure more.
      failed:
        results.numFailedTests +
        results.testResults.filter((file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed")).length,
      skipped: results.numPendingTests + results.numTodoTests,
    };
  } else {
    process.stderr.write("vitest wrote no report\n");
  }
  rmSync(dir, { recursive: true, force: true });
  return { status, counts };
}

/**
 * Whether a test file reaches harness/engines.ts (the shared engines) or harness/faults/own-engines.ts
 * (the fault suite's) through its imports: it needs Kafka, Redis or Cassandra.
 */
function needsEngines(file, seen = new Set()) {
  if (seen.has(file)) return false;
  seen.add(file);
  if (file === join(ROOT, "harness", "engines.ts") || file === join(ROOT, "harness", "faults", "own-engines.ts")) return true;
  const text = readFileSync(file, "utf8");
  for (const [, specifier] of text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
    const target = resolve(dirname(file), specifier.replace(/\.js$/, ".ts"));
    if (existsSync(target) && needsEngines(target, seen)) return true;
  }
  return false;
}

/**
 * Tests whose subject does not change with the server's Node: the page and the SDK in Chromium
 * (the server side of each of their flows is in the API suite, which runs on Node 24 too).
 */
const SAME_ON_EVERY_NODE = new Set([join("test", "browser.test.ts")]);

const systemTestsWithoutEngines = () =>
  readdirSync(join(ROOT, "test"))
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => join(ROOT, "test", name))
    .filter((file) => !needsEngines(file))
    .map((file) => relative(ROOT, file))
    .filter((file) => !SAME_ON_EVERY_NODE.has(file));

const args = process.argv.slice(2);
const runs = [await runVitest(process.execPath, ROOT, args)];
if (args.length === 0) {
  process.stdout.write(`\n[node ${NODE24_VERSION}] the tests that need no engine, once more on Node 24\n`);
  let tree;
  try {
    tree = treeForNode24(ROOT);
  } catch (error) {
    process.stderr.write(`[node 24] cannot run the tests on Node 24: ${error.message}\n`);
    runs.push({ status: 1, counts: { passed: 0, failed: 1, skipped: 0 } });
  }
  if (tree) {
    try {
      runs.push(await runVitest(NODE24, tree, ["--project", "unit"]));
      runs.push(await runVitest(NODE24, tree, ["--project", "system", ...systemTestsWithoutEngines()]));
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  }
}
const total = runs.reduce(
  (sum, { counts }) => ({ passed: sum.passed + counts.passed, failed: sum.failed + counts.failed, skipped: sum.skipped + counts.skipped }),
  {
    passed: 0,
    failed: 0,
    skipped: 0,
  },
);
if (runs.length > 1) {
  const [own, ...node24] = runs;
  const on24 = node24.reduce((sum, { counts }) => ({ passed: sum.passed + counts.passed, failed: sum.failed + counts.failed }), { passed: 0, failed: 0 });
  process.stdout.write(
    `\nNode ${process.version}: ${own.counts.passed} passed, ${own.counts.failed} failed; Node ${NODE24_VERSION}: ${on24.passed} passed, ${on24.failed} failed\n`,
  );
}
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
const failedRun = runs.find(({ status }) => status !== 0);
process.exit(failedRun ? failedRun.status : total.failed > 0 || total.passed === 0 ? 1 : 0);
