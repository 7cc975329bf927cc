// Runs the test suites with vitest on the TypeScript sources (vitest.config.ts: the "unit"
// project, then the "system" one), and closes with one line of its own, `N passed, N failed,
// N skipped`, counted from vitest's JSON report, so CI reads the count whatever the reporter.
// Arguments go to vitest: file filters (`npm test -- edge/`), `--project unit`, `-t name`.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "livecomments-tests-"));
const report = join(dir, "report.json");
const vitest = join("node_modules", "vitest", "vitest.mjs");
const child = spawn(process.execPath, [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => child.kill(signal));
const status = await new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));

let counts;
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
}
rmSync(dir, { recursive: true, force: true });
if (!counts) {
  process.stdout.write("vitest wrote no report: 0 passed, 1 failed\n");
  process.exit(status === 0 ? 1 : status);
}
process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
process.exit(status !== 0 ? status : counts.failed > 0 || counts.passed === 0 ? 1 : 0);
