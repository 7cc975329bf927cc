// `buf breaking`: the protobuf contracts of the work tree must not break those of the previous
// commit (buf.yaml's FILE rules: no field renumbered, retyped or removed, no service or method
// gone), so records already in a log and clients already deployed keep working. Fails loudly
// when there is no previous commit to compare with (a shallow clone): fetch more history.
import { execFileSync, spawnSync } from "node:child_process";

const previous = spawnSync("git", ["rev-parse", "--verify", "--quiet", "HEAD~1"], { encoding: "utf8" });
if (previous.status !== 0) {
  const commits = spawnSync("git", ["rev-list", "--count", "HEAD"], { encoding: "utf8" }).stdout.trim();
  if (commits === "1") {
    process.stdout.write("buf breaking: the first commit has no earlier contracts to keep\n");
    process.exit(0);
  }
  process.stderr.write("buf breaking: HEAD~1 is not in this clone (shallow?); run `git fetch --deepen=1` to check the contracts\n");
  process.exit(1);
}
const against = previous.stdout.trim();
try {
  execFileSync("buf", ["breaking", "--against", `.git#ref=${against}`], { stdio: "inherit" });
} catch {
  process.stderr.write(
    `buf breaking: the contracts in proto/ break those of ${against.slice(0, 12)} (above); add fields and services, never renumber or remove\n`,
  );
  process.exit(1);
}
process.stdout.write(`buf breaking: proto/ keeps the contracts of ${against.slice(0, 12)}\n`);
