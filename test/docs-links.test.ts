// The documentation is a map: every relative link in it leads somewhere, anchors included, and
// the README stays a short entry that links every page.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "vitest";
import { PROJECT_ROOT } from "../harness/project-root.js";

const DOCS = join(PROJECT_ROOT, "docs");
const PAGES = [
  "README.md",
  "BENCHMARKS.md",
  "CHANGELOG.md",
  "client/README.md",
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
].map((path) => join(PROJECT_ROOT, path));

/** The markdown outside fenced code blocks, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative links and images of a page: `[text](target)`, `![alt](target)`. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe("the documentation", () => {
  it("should have every relative link of README.md, docs/ and the SDK's README resolve, anchors included", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of PAGES) {
      const markdown = readFileSync(page, "utf8");
      for (const link of relativeLinks(markdown)) {
        checked++;
        const [path, anchor] = link.split("#") as [string, string | undefined];
        const target = path === "" ? page : join(dirname(page), decodeURIComponent(path));
        const where = `${relative(PROJECT_ROOT, page)}: ${link}`;
        if (!existsSync(target)) {
          broken.push(`${where} (no such file)`);
          continue;
        }
        if (anchor !== undefined && statSync(target).isFile() && target.endsWith(".md") && !anchorsOf(readFileSync(target, "utf8")).has(anchor)) {
          broken.push(`${where} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, [], `${broken.length} broken link(s)`);
    assert.ok(checked > 50, `${checked} links checked`);
  });

  it("should keep the README a short map that links every page of docs/", () => {
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    assert.ok(readme.split("\n").length <= 200, `README.md has ${readme.split("\n").length} lines`);
    assert.match(readme, /^# Live Comments\n\n```sh\nnpm start .*\nnpm test .*\n```/, "it starts with the two commands");
    const linked = new Set(relativeLinks(readme).map((link) => link.split("#")[0]));
    for (const page of ["architecture", "http-api", "grpc", "sdk", "moderation", "replay", "deploying", "operating", "configuration"]) {
      assert.ok(linked.has(`docs/${page}.md`), `README links docs/${page}.md`);
    }
  });

  it("should read anchors as GitHub makes them", () => {
    assert.deepEqual(
      [...anchorsOf("# Faults: nothing accepted is lost\n## Fan-out side by side (`npm run bench`)\n## Soak\n## Soak\n")],
      ["faults-nothing-accepted-is-lost", "fan-out-side-by-side-npm-run-bench", "soak", "soak-1"],
    );
  });
});
