import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { test } from "vitest";

/** The main entry's budget, gzipped, as a page's bundler would ship it (minified). */
const MAIN_ENTRY_GZIP_BUDGET = 8 * 1024;

/** The entry bundled and minified as an app's bundler would, gzipped: its bytes on the wire. */
async function gzippedBundle(entry: string): Promise<{ bytes: number; text: string }> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    external: ["react"],
    write: false,
    logLevel: "silent",
  });
  const text = result.outputFiles[0]!.text;
  return { bytes: gzipSync(text, { level: 9 }).length, text };
}

test("should keep the main entry of @livecomments/client within 8 KiB gzipped, and React out of it", async () => {
  const main = await gzippedBundle("./index.ts");
  assert.ok(main.bytes <= MAIN_ENTRY_GZIP_BUDGET, `the main entry is ${main.bytes} bytes gzipped, over the ${MAIN_ENTRY_GZIP_BUDGET}-byte budget`);
  assert.ok(main.bytes > 1024, `${main.bytes} bytes: the bundle holds the SDK`);
  assert.doesNotMatch(main.text, /from\s*"react"/, "the main entry never loads React");
  const react = await gzippedBundle("./react.ts");
  assert.match(react.text, /from\s*"react"/, "the hook's entry imports React, which the app provides");
});
