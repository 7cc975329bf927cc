// Makes sure the Chromium the browser tests drive is installed: Debian's `chromium` package at
// /usr/bin/chromium (or LC_CHROMIUM), installed with apt-get when missing. Fails loudly, naming
// what to do, when it cannot be installed: the browser tests never skip.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { aptInstall } from "./apt.mjs";

const chromium = process.env.LC_CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  if (process.env.LC_CHROMIUM) fail(`LC_CHROMIUM=${chromium} does not exist`);
  try {
    aptInstall(["chromium"], "browser");
  } catch (error) {
    fail(`apt-get could not install chromium (${error.message}); install it, or point LC_CHROMIUM at a Chromium binary`);
  }
  if (!existsSync(chromium)) fail(`chromium was installed but ${chromium} is missing; set LC_CHROMIUM`);
}
process.stderr.write(`[browser] ${execFileSync(chromium, ["--version"], { encoding: "utf8" }).trim()}\n`);

function fail(message) {
  process.stderr.write(`[browser] cannot run the browser tests: ${message}\n`);
  process.exit(1);
}
