// Makes sure the peers the benchmarks compare against are installed, from Debian's packages:
// nginx with the nchan module, and Pushpin. Fails loudly when they cannot be: a comparison is
// never quietly left out.
import { existsSync } from "node:fs";
import { aptInstall } from "./apt.mjs";

const PEERS = [
  { binary: "/usr/sbin/nginx", file: "/usr/lib/nginx/modules/ngx_nchan_module.so", packages: ["nginx-light", "libnginx-mod-nchan"] },
  { binary: "/usr/bin/pushpin", file: "/usr/bin/pushpin", packages: ["pushpin"] },
];

const missing = PEERS.filter((peer) => !existsSync(peer.binary) || !existsSync(peer.file));
if (missing.length > 0) {
  try {
    aptInstall(
      missing.flatMap((peer) => peer.packages),
      "bench",
    );
  } catch (error) {
    process.stderr.write(`[bench] cannot install the peers (${error.message}); install ${missing.flatMap((p) => p.packages).join(" ")}\n`);
    process.exit(1);
  }
  const still = PEERS.filter((peer) => !existsSync(peer.binary) || !existsSync(peer.file));
  if (still.length > 0) {
    process.stderr.write(`[bench] installed, yet missing: ${still.map((p) => p.file).join(", ")}\n`);
    process.exit(1);
  }
}
