import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "vitest";
import { PROJECT_ROOT as root } from "../harness/project-root.js";

test("should fail the generated-code check when gen/ differs from buf generate", () => {
  const copy = mkdtempSync(join(tmpdir(), "lc-gen-check-"));
  try {
    for (const entry of ["buf.yaml", "buf.gen.yaml", "proto", "gen", "scripts"]) cpSync(join(root, entry), join(copy, entry), { recursive: true });
    const run = () =>
      execFileSync(process.execPath, ["scripts/check-generated.mjs"], {
        cwd: copy,
        env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` },
        stdio: "pipe",
      });
    run(); // a faithful copy passes
    appendFileSync(join(copy, "gen", "livecomments", "v1", "comment_pb.ts"), "\n// edited by hand\n");
    assert.throws(run, (error: { stderr?: Buffer }) => /differs: gen\/livecomments\/v1\/comment_pb\.ts/.test(String(error.stderr)));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
