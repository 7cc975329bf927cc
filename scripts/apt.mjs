// Installs Debian packages with apt-get (as root, or through `sudo -n`), without letting their
// install scripts start services (nginx would take port 80): what the test and benchmark
// scripts use for the programs they need beside Node.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";

const POLICY = "/usr/sbin/policy-rc.d";

/** Installs `packages`; throws with apt-get's failure when it cannot. */
export function aptInstall(packages, tag) {
  process.stderr.write(`[${tag}] installing ${packages.join(", ")} (apt-get)...\n`);
  const asRoot = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  const run = (args) => {
    const [command, ...rest] = [...asRoot, ...args];
    execFileSync(command, rest, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  };
  // Exit code 101 from policy-rc.d tells invoke-rc.d not to start what it installs.
  const ownPolicy = asRoot.length === 0 && !existsSync(POLICY);
  if (ownPolicy) writeFileSync(POLICY, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    run(["apt-get", "update"]);
    run(["apt-get", "install", "-y", "--no-install-recommends", ...packages]);
  } finally {
    if (ownPolicy) rmSync(POLICY, { force: true });
  }
}
