// Fails when a TypeScript import crosses the project's layers against their direction:
//
//   app/ -> roles (ingest/, relay/, edge/, archive/) -> ports/ -> core/ -> gen/
//   host/ -> core/          client/ (the browser SDK, an npm package) -> client/shared/
//   examples/ (services built on the public contracts) -> gen/
//
// client/shared/ holds what the server and the SDK must agree on (the API's JSON shapes) and
// small dependency-free pieces both use. It imports nothing outside itself, so the package
// stays self-contained, and everything from core/ up may import it. The package may import
// nothing outside client/, and only the React entry may import a module (react) at all.
//
// A folder may import itself and any layer to its right; roles never import each other, and
// nothing in product code imports harness/, test/ or bench/. Tests (*.test.ts anywhere),
// harness/, test/ and bench/ may import any product code; bench/ and harness/ never import
// test/, and harness/ never imports bench/.
//
//   node scripts/check-layers.mjs          exits 1 listing every wrong import
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
const ROLES = ["ingest", "relay", "edge", "archive"];
const PRODUCT = ["app", ...ROLES, "host", "ports", "core", "gen", "client"];
const SHARED = "client/shared";
const BELOW_ROLES = ["ports", "core", "gen", SHARED];

/** What each top folder may import, besides itself. */
const ALLOWED = {
  app: [...ROLES, "host", ...BELOW_ROLES],
  ...Object.fromEntries(ROLES.map((role) => [role, BELOW_ROLES])),
  host: ["core"],
  ports: ["core", "gen"],
  core: ["gen", SHARED],
  gen: [],
  [SHARED]: [],
  client: [SHARED],
  examples: ["gen"],
  harness: PRODUCT,
  bench: [...PRODUCT, "harness"],
  test: [...PRODUCT, "harness"],
};
/** Tests beside product code may also import the shared harness. */
const TEST_EXTRA = ["harness", ...PRODUCT];

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.(ts|mts|tsx)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) yield path;
  }
}

/** The layer a file belongs to: its top folder, or client/shared. */
const topOf = (path) => {
  const parts = relative(ROOT, path).split(sep);
  return parts[0] === "client" && parts[1] === "shared" ? SHARED : parts[0];
};
/** Bare modules (npm packages, node: builtins) the SDK package may import, by file. */
const CLIENT_MODULES = { "client/react.ts": ["react"] };
const problems = [];
let checked = 0;
for (const top of Object.keys(ALLOWED)) {
  if (top === SHARED) continue; // read with client/
  let files;
  try {
    files = [...sources(join(ROOT, top))];
  } catch {
    continue;
  }
  for (const file of files) {
    const layer = topOf(file);
    const text = readFileSync(file, "utf8");
    const isTest = /\.test\.tsx?$/.test(file);
    const inPackage = (layer === "client" || layer === SHARED) && !isTest && !relative(ROOT, file).startsWith(join("client", "demo"));
    const allowed = new Set([layer, ...ALLOWED[layer], ...(isTest ? TEST_EXTRA : [])]);
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      const line = () => text.slice(0, match.index).split("\n").length;
      if (!specifier.startsWith(".")) {
        if (inPackage && !(CLIENT_MODULES[relative(ROOT, file)] ?? []).includes(specifier)) {
          checked++;
          problems.push(`${relative(ROOT, file)}:${line()}: the SDK package imports no module ("${specifier}"): it has no dependencies`);
        }
        continue;
      }
      checked++;
      const target = topOf(resolve(dirname(file), specifier));
      if (!allowed.has(target)) problems.push(`${relative(ROOT, file)}:${line()}: ${layer}/ must not import ${target}/ ("${specifier}")`);
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`check-layers: ${problems.length} import(s) against the layers (see the top of scripts/check-layers.mjs):\n`);
  for (const problem of problems) process.stderr.write(`  ${problem}\n`);
  process.exit(1);
}
process.stdout.write(`check-layers: ${checked} imports follow the layers\n`);
