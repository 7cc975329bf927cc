// Makes sure the programs the tests drive beside Node are installed, from Debian's packages:
// Chromium for the browser tests (/usr/bin/chromium, or LC_CHROMIUM), nginx as the load
// balancer in front of the distributed mode (/usr/sbin/nginx, nginx-light), and Prometheus with
// promtool for the dashboard and alert tests (/usr/bin/prometheus, /usr/bin/promtool). Installs what is
// missing with apt-get, in one go; fails loudly, naming what to do, when it cannot: those
// tests never skip.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { aptInstall } from "./apt.mjs";

const chromium = process.env.LC_CHROMIUM ?? "/usr/bin/chromium";
const nginx = "/usr/sbin/nginx";
const prometheus = "/usr/bin/prometheus";
const promtool = "/usr/bin/promtool";
if (process.env.LC_CHROMIUM && !existsSync(chromium)) fail(`LC_CHROMIUM=${chromium} does not exist`);
const missing = [
  ...(existsSync(chromium) ? [] : ["chromium"]),
  ...(existsSync(nginx) ? [] : ["nginx-light"]),
  ...(existsSync(prometheus) && existsSync(promtool) ? [] : ["prometheus"]),
];
if (missing.length > 0) {
  try {
    aptInstall(missing, "test programs");
  } catch (error) {
    fail(`apt-get could not install ${missing.join(", ")} (${error.message}); install them (or point LC_CHROMIUM at a Chromium binary)`);
  }
  if (!existsSync(chromium)) fail(`chromium was installed but ${chromium} is missing; set LC_CHROMIUM`);
  if (!existsSync(nginx)) fail(`nginx-light was installed but ${nginx} is missing`);
  if (!existsSync(prometheus) || !existsSync(promtool)) fail(`prometheus was installed but ${prometheus} or ${promtool} is missing`);
}
// nginx -v answers on stderr.
const nginxVersion = spawnSync(nginx, ["-v"], { encoding: "utf8" }).stderr.trim();
const prometheusVersion = execFileSync(prometheus, ["--version"], { encoding: "utf8" }).split("\n")[0].trim();
process.stderr.write(`[test programs] ${execFileSync(chromium, ["--version"], { encoding: "utf8" }).trim()}; ${nginxVersion}; ${prometheusVersion}\n`);

function fail(message) {
  process.stderr.write(`[test programs] cannot run the tests: ${message}\n`);
  process.exit(1);
}
