import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { readConfigFile, withConfigFile } from "./config-file.js";

describe("LC_CONFIG_FILE", () => {
  const dir = mkdtempSync(join(tmpdir(), "lc-config-file-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("should read a .env file as Node does: quotes, comments, export, values across lines", () => {
    const path = file(
      "a.env",
      `# the edge\nexport LC_BATCH_MS=40\nLC_JWT_SECRET='s # not a comment'\nLC_MAX_VIEWERS=77 # a comment\nLC_TLS_CA="line one\nline two"\n`,
    );
    assert.deepEqual(readConfigFile(path), { LC_BATCH_MS: "40", LC_JWT_SECRET: "s # not a comment", LC_MAX_VIEWERS: "77", LC_TLS_CA: "line one\nline two" });
  });

  it("should name the line that is no assignment, or whose name is not a variable's", () => {
    assert.throws(() => readConfigFile(file("b.env", "LC_BATCH_MS=40\nLC_MAX_VIEWERS 77\n")), /b\.env:2: expected NAME=value, got "LC_MAX_VIEWERS 77"/);
    assert.throws(() => readConfigFile(file("c.env", "lc_batch_ms=40\n")), /c\.env:1: expected NAME=value/);
  });

  it("should put the file under the environment, and read a JSON object of strings and numbers", () => {
    const path = file("d.json", JSON.stringify({ LC_BATCH_MS: 40, LC_MAX_VIEWERS: "77" }));
    assert.deepEqual(withConfigFile({ LC_CONFIG_FILE: path, LC_MAX_VIEWERS: "88" }), { LC_BATCH_MS: "40", LC_MAX_VIEWERS: "88", LC_CONFIG_FILE: path });
    assert.throws(() => readConfigFile(file("e.json", "[1]")), /must hold one JSON object/);
  });
});
