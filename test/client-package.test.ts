// The browser SDK as a user gets it: `npm pack` in client/, the tarball installed into a scratch
// web app, the user's code type-checked against it, and a React page built by Vite that uses the
// hook against `npm start` in Chromium, its viewer's tokens expiring across a restart.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { mintToken } from "../core/auth/dev-token.js";
import { launchChromium } from "../harness/chromium.js";
import { packClient, runCommand, scratchApp, typeCheck, viteBuild } from "../harness/client-package.js";
import { startEmbeddedSystem } from "../harness/embedded-system.js";
import type { EmbeddedSystem } from "../harness/embedded-system.js";
import { freePort } from "../harness/free-port.js";
import { ApiClient } from "../harness/http-client.js";
import { PROJECT_ROOT } from "../harness/project-root.js";
import { sleep } from "../harness/until.js";

const TSCONFIG = (module: "ESNext" | "NodeNext", resolution: "Bundler" | "NodeNext", include: string[]) =>
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module,
      moduleResolution: resolution,
      lib: ["ES2022", "DOM", "DOM.Iterable"],
      jsx: "react-jsx",
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
    },
    include,
  });

/** A user's code across the SDK's four classes and its types, written against the docs. */
const USAGE = `import { CommentPoster, LiveCommentsError, LiveFeed, ModerationClient, PlaybackSync } from "@livecomments/client";
import type { ConnectionState, PostedComment, WireComment } from "@livecomments/client";

export function wire(video: HTMLVideoElement, session: { token(): Promise<string> }) {
  const shown: string[] = [];
  const feed = new LiveFeed({
    baseUrl: "https://comments.example.com",
    streamId: "final",
    token: () => session.token(),
    pauseWhenHidden: 30_000,
    onComments: (comments: readonly WireComment[]) => shown.push(...comments.map((comment) => comment.text)),
    onStateChange: (state: ConnectionState) => void state,
  });
  const poster = new CommentPoster({ baseUrl: "https://comments.example.com", credentials: "include", token: "a.b.c" });
  const posted: Promise<PostedComment | string> = poster.post("final", "hello").catch((error: unknown) => (error instanceof LiveCommentsError ? error.code : "?"));
  const replay = new PlaybackSync({ baseUrl: "", streamId: "final", player: video, onComments: () => {}, token: async () => "a.b.c" });
  const moderation = new ModerationClient({ baseUrl: "", token: () => session.token() });
  return { feed, posted, replay, deleted: moderation.deleteComment("final", "c-1"), shown };
}
`;

/** The same user's mistake: the type-check must catch it. */
const MISTAKE = `import { LiveFeed } from "@livecomments/client";
new LiveFeed({ baseUrl: "", streamId: 42, onComments: () => {} });
`;

/** A small React page on the hook; the API's address and the stream come in its query. */
const PAGE = `import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { LiveCommentsError } from "@livecomments/client";
import { useLiveComments } from "@livecomments/client/react";

const params = new URLSearchParams(location.search);
declare global {
  interface Window {
    tokensIssued: number;
  }
}
window.tokensIssued = 0;

/** The site's own session hands out short-lived viewer tokens. */
async function viewerToken(): Promise<string> {
  window.tokensIssued++;
  return (await fetch("/token")).text();
}

function Comments({ api, streamId }: { api: string; streamId: string }) {
  const { comments, state, pinned, viewers, ended, post } = useLiveComments(streamId, { baseUrl: api, token: viewerToken, batchMs: 0 });
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  return (
    <main>
      <p id="state">{state}</p>
      <p id="viewers">{viewers ?? "-"}</p>
      <p id="pinned">{pinned?.text ?? ""}</p>
      <p id="ended">{ended ? "ended" : "live"}</p>
      <ul id="comments">
        {comments.map((comment) => (
          <li key={comment.comment_id}>{comment.text}</li>
        ))}
      </ul>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          post(text).then(
            () => setText(""),
            (failure: unknown) => setError(failure instanceof LiveCommentsError ? failure.code : String(failure)),
          );
        }}
      >
        <input id="text" value={text} onChange={(event) => setText(event.target.value)} />
        <button>Send</button>
      </form>
      <p id="error">{error}</p>
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Comments api={params.get("api") ?? ""} streamId={params.get("stream") ?? ""} />
  </StrictMode>,
);
`;

const HTML = `<!doctype html><html><head><meta charset="utf-8"><title>scratch</title></head>
<body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>`;

const CONTENT_TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

/** Serves the built app, and `/token`: a viewer token from the site's session. */
async function startSite(root: string, token: () => Promise<string>): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/token") {
      token().then(
        (jwt) => res.writeHead(200, { "content-type": "text/plain" }).end(jwt),
        () => res.writeHead(500).end(),
      );
      return;
    }
    const file = join(root, path === "/" ? "index.html" : path);
    if (!file.startsWith(root) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  return {
    origin: `http://127.0.0.2:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("@livecomments/client as a package", () => {
  const packDir = mkdtempSync(join(tmpdir(), "lc-pack-"));
  let tarball: string;
  let app: string;
  beforeAll(async () => {
    tarball = await packClient(packDir);
    app = await scratchApp(tarball, {
      "tsconfig.json": TSCONFIG("ESNext", "Bundler", ["src/main.tsx", "src/usage.ts"]),
      "tsconfig.node.json": TSCONFIG("NodeNext", "NodeNext", ["src/usage.ts"]),
      "tsconfig.mistake.json": TSCONFIG("ESNext", "Bundler", ["src/mistake.ts"]),
      "index.html": HTML,
      "src/main.tsx": PAGE,
      "src/usage.ts": USAGE,
      "src/mistake.ts": MISTAKE,
    });
  });
  afterAll(() => {
    rmSync(packDir, { recursive: true, force: true });
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it("should pack the built JavaScript, its types, the README and the licence, and nothing else", async () => {
    const listing = await runCommand("tar", ["-tzf", tarball], packDir);
    const files = listing.stdout.split("\n").filter(Boolean).sort();
    for (const file of [
      "package/LICENSE",
      "package/README.md",
      "package/package.json",
      "package/dist/index.js",
      "package/dist/index.d.ts",
      "package/dist/react.js",
      "package/dist/react.d.ts",
    ]) {
      assert.ok(files.includes(file), `${file} in ${files.join(", ")}`);
    }
    assert.deepEqual(
      files.filter((file) => /\.test\.|\.tsx?$/.test(file) && !file.endsWith(".d.ts")),
      [],
      "no sources and no tests",
    );
    const manifest = JSON.parse(readFileSync(join(app, "node_modules", "@livecomments", "client", "package.json"), "utf8")) as Record<string, unknown>;
    const root = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as Record<string, unknown>;
    assert.equal(manifest.license, root.license);
    assert.equal(manifest.sideEffects, false);
    assert.equal(manifest.type, "module");
    assert.deepEqual(manifest.dependencies, undefined, "no dependencies");
  });

  it("should type-check a user's code against the installed package, for bundlers and for Node, and catch its mistakes", async () => {
    for (const project of ["tsconfig.json", "tsconfig.node.json"]) {
      const checked = await typeCheck(app, project);
      assert.equal(checked.code, 0, `${project}: ${checked.stdout}${checked.stderr}`);
    }
    const mistake = await typeCheck(app, "tsconfig.mistake.json");
    assert.notEqual(mistake.code, 0);
    assert.match(mistake.stdout, /src\/mistake\.ts.*'number' is not assignable to type 'string'/);
  });

  it("should load both entries as ES modules in Node, by the exports map", async () => {
    const script = `const sdk = await import("@livecomments/client"); const react = await import("@livecomments/client/react");
      console.log(JSON.stringify([Object.keys(sdk).sort(), Object.keys(react)]));`;
    const loaded = await runCommand(process.execPath, ["--input-type=module", "-e", script], app);
    assert.equal(loaded.code, 0, loaded.stderr);
    const [main, react] = JSON.parse(loaded.stdout) as [string[], string[]];
    for (const name of ["CommentPoster", "LiveCommentsError", "LiveFeed", "ModerationClient", "PlaybackSync", "getStream", "getWindow"])
      assert.ok(main.includes(name), name);
    assert.deepEqual(react, ["useLiveComments"]);
  });

  describe("a React page on useLiveComments, built by Vite (Chromium)", () => {
    const jwtSecret = randomBytes(24).toString("hex");
    /** Tokens the site issues are this many seconds past their exp, within the server's 30 s clock skew: valid for about 3 s. */
    const EXPIRED_BY_S = 27;
    let browser: Browser;
    let system: EmbeddedSystem;
    let api: ApiClient;
    let site: Awaited<ReturnType<typeof startSite>>;
    let env: Record<string, string>;
    const issued: { token: string; at: number }[] = [];
    beforeAll(async () => {
      const built = await viteBuild(app);
      assert.equal(built.code, 0, `vite build: ${built.stdout}${built.stderr}`);
      site = await startSite(join(app, "dist"), async () => {
        const token = await mintToken(jwtSecret, { sub: "react-viewer", name: "React viewer", ttlSec: -EXPIRED_BY_S });
        issued.push({ token, at: Date.now() });
        return token;
      });
      browser = await launchChromium();
      env = { LC_JWT_SECRET: jwtSecret, LC_CORS_ORIGINS: site.origin, PORT: String(await freePort()), GRPC_PORT: String(await freePort()) };
      system = await startEmbeddedSystem({ env });
      api = new ApiClient(system.http, jwtSecret);
    });
    afterAll(async () => {
      await browser?.close();
      await system?.stop();
      system?.dispose();
      await site?.close();
    });

    const open = async (streamId: string): Promise<Page> => {
      const page = await browser.newPage();
      await page.goto(`${site.origin}/?${new URLSearchParams({ api: system.http.edge, stream: streamId })}`);
      await page.waitForFunction(`document.getElementById("state")?.textContent === "open"`, undefined, { timeout: 15_000 });
      return page;
    };
    const shown = (page: Page) => page.$$eval("#comments li", (items) => items.map((item) => item.textContent));

    it("should render live comments, post through the hook, and follow the pin, deletions and the end", async () => {
      const streamId = await api.createStream();
      const first = await api.post(streamId, "someone", "before the page opened");
      const page = await open(streamId);
      await page.fill("#text", "from the React page");
      await page.click("button");
      await page.waitForFunction(`document.querySelectorAll("#comments li").length === 2`, undefined, { timeout: 10_000 });
      await api.post(streamId, "someone", "after the page opened");
      await page.waitForFunction(`document.querySelectorAll("#comments li").length === 3`, undefined, { timeout: 10_000 });
      assert.deepEqual(await shown(page), ["before the page opened", "from the React page", "after the page opened"]);
      assert.equal(await page.textContent("#error"), "");

      const moderator = await api.token("moderator", "comments:moderate");
      assert.equal((await api.request("PUT", `/v1/streams/${streamId}/pin`, { token: moderator, json: { comment_id: first.comment_id } })).status, 200);
      await page.waitForFunction(`document.getElementById("pinned").textContent === "before the page opened"`, undefined, { timeout: 10_000 });
      assert.equal((await api.request("DELETE", `/v1/streams/${streamId}/comments/${first.comment_id}`, { token: moderator })).status, 200);
      await page.waitForFunction(`document.querySelectorAll("#comments li").length === 2 && document.getElementById("pinned").textContent === ""`, undefined, {
        timeout: 10_000,
      });
      await page.waitForFunction(`document.getElementById("viewers").textContent !== "-"`, undefined, { timeout: 15_000 });

      const admin = await api.token("admin", "streams:admin");
      assert.equal((await api.request("POST", `/v1/streams/${streamId}/end`, { token: admin })).status, 200);
      await page.waitForFunction(`document.getElementById("ended").textContent === "ended"`, undefined, { timeout: 10_000 });
      assert.equal(await page.textContent("#state"), "closed");
      await page.close();
    });

    it("should keep a viewer whose token expired receiving after a restart of the server, with a fresh token from its function", async () => {
      const streamId = await api.createStream();
      const page = await open(streamId);
      await api.post(streamId, "someone", "before the restart");
      await page.waitForFunction(`document.querySelectorAll("#comments li").length === 1`, undefined, { timeout: 10_000 });
      const asked = await page.evaluate<number>("window.tokensIssued");
      const held = issued.at(-1)!;

      await system.stop();
      await sleep(Math.max(0, held.at + 3_500 - Date.now())); // the viewer's token expires while the server is down
      const expired = await fetch(`${system.http.edge}/v1/streams/${streamId}/comments/subscribe?access_token=${held.token}`).catch(() => undefined);
      assert.equal(expired, undefined, "the server is down");
      system = await startEmbeddedSystem({ env, dataDir: system.dataDir });
      api = new ApiClient(system.http, jwtSecret);
      const refused = await fetch(`${system.http.edge}/v1/streams/${streamId}/comments/subscribe?access_token=${held.token}`);
      assert.equal(refused.status, 401, "the token the viewer held is refused now");
      await refused.body?.cancel();

      await api.post(streamId, "someone", "after the restart");
      await page.waitForFunction(`document.querySelectorAll("#comments li").length === 2`, undefined, { timeout: 30_000 });
      assert.deepEqual(await shown(page), ["before the restart", "after the restart"]);
      assert.ok((await page.evaluate<number>("window.tokensIssued")) > asked, "the feed asked its function for a fresh token");
      assert.equal(await page.textContent("#state"), "open");
      await page.close();
    });
  });
});
