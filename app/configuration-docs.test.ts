import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "vitest";
import { ALL_SETTINGS } from "./config.js";
import { configurationMarkdown } from "./configuration-docs.js";

test("should keep docs/configuration.md as the declarations write it (npm run docs:config)", () => {
  const committed = readFileSync(new URL("../docs/configuration.md", import.meta.url), "utf8");
  assert.ok(committed === configurationMarkdown(), "docs/configuration.md differs from the settings' declarations: run `npm run docs:config`");
});

test("should declare each variable once, and list every one in docs/configuration.md", () => {
  const variables = Object.values(ALL_SETTINGS).map((setting) => setting.variable);
  assert.deepEqual(
    variables.filter((variable, index) => variables.indexOf(variable) !== index),
    [],
  );
  const page = configurationMarkdown();
  for (const variable of variables) assert.ok(page.includes(`| \`${variable}\` |`), variable);
  assert.ok(variables.length >= 70, `${variables.length} settings`);
});
