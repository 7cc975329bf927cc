import assert from "node:assert/strict";
import { test } from "vitest";
import { choiceSetting, integerSetting, listSetting, readSettings, shownValue, switchSetting, textSetting } from "./settings.js";

const SETTINGS = {
  batchMs: integerSetting({ variable: "LC_T_BATCH_MS", fallback: 150, min: 0, max: 1000, description: "", roles: ["edge"] }),
  upstream: choiceSetting({ variable: "LC_T_UPSTREAM", fallback: "relay", choices: ["relay", "redis"], description: "", roles: ["edge"] }),
  limits: switchSetting({ variable: "LC_T_LIMITS", fallback: true, description: "", roles: ["ingest"] }),
  origins: listSetting({
    variable: "LC_T_ORIGINS",
    fallback: [],
    check: (entries) => {
      if (entries.includes("bad")) throw new Error('not an origin: "bad"');
    },
    description: "",
    roles: ["edge"],
  }),
  secret: textSetting({ variable: "LC_T_SECRET", fallback: undefined, secret: true, pattern: /^\w{8,}$/, description: "", roles: ["ingest"] }),
} as const;

test("should read each setting by its declaration, unset and empty as the default", () => {
  assert.deepEqual(
    readSettings({ LC_T_BATCH_MS: "40", LC_T_UPSTREAM: "", LC_T_LIMITS: "off", LC_T_ORIGINS: " https://a.example , ,https://b.example" }, SETTINGS),
    {
      batchMs: 40,
      upstream: "relay",
      limits: false,
      origins: ["https://a.example", "https://b.example"],
      secret: undefined,
    },
  );
});

test("should refuse a bad value naming the variable and what it accepts, never echoing a secret", () => {
  assert.throws(() => readSettings({ LC_T_BATCH_MS: "soon" }, SETTINGS), /LC_T_BATCH_MS must be an integer from 0 to 1000, got "soon"/);
  assert.throws(() => readSettings({ LC_T_BATCH_MS: "1001" }, SETTINGS), /LC_T_BATCH_MS must be an integer from 0 to 1000/);
  assert.throws(() => readSettings({ LC_T_UPSTREAM: "kafka" }, SETTINGS), /LC_T_UPSTREAM must be one of relay, redis, got "kafka"/);
  assert.throws(() => readSettings({ LC_T_LIMITS: "yes" }, SETTINGS), /LC_T_LIMITS must be on or off/);
  assert.throws(() => readSettings({ LC_T_ORIGINS: "bad" }, SETTINGS), /LC_T_ORIGINS: not an origin: "bad"/);
  assert.throws(
    () => readSettings({ LC_T_SECRET: "short!" }, SETTINGS),
    (error: Error) => /LC_T_SECRET is not in the form/.test(error.message) && !error.message.includes("short!"),
  );
});

test("should show a secret only as set or not set", () => {
  assert.equal(shownValue(SETTINGS.secret, "a-long-secret"), "set");
  assert.equal(shownValue(SETTINGS.secret, undefined), "not set");
  assert.equal(shownValue(SETTINGS.batchMs, 40), 40);
});
