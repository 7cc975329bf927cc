import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LcError } from "../core/errors.js";
import { sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import { mintToken } from "../core/auth/dev-token.js";

/** The project's top folder, from dist/app/. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Every file the demo serves, by URL path: nothing outside this list can be read. */
const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  "/": { file: "client/demo/index.html", type: "text/html; charset=utf-8" },
  "/demo/demo.css": { file: "client/demo/demo.css", type: "text/css; charset=utf-8" },
  "/demo/demo.js": { file: "dist/browser/demo.js", type: "text/javascript; charset=utf-8" },
  "/demo/replay.webm": { file: "client/demo/replay.webm", type: "video/webm" },
  "/sdk/livecomments.js": { file: "dist/browser/livecomments.js", type: "text/javascript; charset=utf-8" },
};

/**
 * The page may load only its own script, style and video and talk only to this origin; comment
 * text is set as text, and this is the second line of defence should that ever slip.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Longest display name a guest token carries. */
const MAX_GUEST_NAME = 40;

/** Options of {@link demoRoutes}. */
export interface DemoRoutesOptions {
  /** The development secret, when guest tokens may be handed out; undefined in production. */
  readonly guestTokenSecret?: string | undefined;
}

/**
 * The demo page at `/` (`/?stream=<id>`), its script, style and replay video, and the browser
 * SDK bundle at `/sdk/livecomments.js`. With the development secret (no LC_JWT_SECRET), the
 * page can ask `/demo/guest-token` for a token to post with; in production it cannot.
 */
export function demoRoutes(router: Router, options: DemoRoutesOptions): Router {
  const cache = new Map<string, Buffer>();
  const serve = (path: string) => async (req: { headers: { range?: string | undefined } }, res: ServerResponse) => {
    const entry = FILES[path]!;
    let body = cache.get(path);
    if (!body) {
      try {
        body = await readFile(join(ROOT, entry.file));
      } catch {
        throw new LcError("not_found", `${entry.file} is missing: run npm run build`);
      }
      cache.set(path, body);
    }
    const headers = {
      "content-type": entry.type,
      "cache-control": "no-cache",
      "accept-ranges": "bytes",
      "x-content-type-options": "nosniff",
      ...(path === "/" ? { "content-security-policy": CONTENT_SECURITY_POLICY, "referrer-policy": "no-referrer" } : {}),
    };
    const range = byteRange(req.headers.range, body.length);
    if (range === "unsatisfiable") {
      res.writeHead(416, { ...headers, "content-range": `bytes */${body.length}` }).end();
    } else if (range) {
      const [start, end] = range;
      res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${body.length}`, "content-length": end - start + 1 });
      res.end(body.subarray(start, end + 1));
    } else {
      res.writeHead(200, { ...headers, "content-length": body.length }).end(body);
    }
  };
  for (const path of Object.keys(FILES)) router.add("GET", path, serve(path));
  return router.add("GET", "/demo/guest-token", async (_req, res, _params, url) => {
    if (options.guestTokenSecret === undefined) {
      throw new LcError("not_found", "guest tokens are handed out only with the development secret; sign tokens with LC_JWT_SECRET");
    }
    const name = (url.searchParams.get("name") ?? "").normalize("NFC").trim();
    if (name.length > MAX_GUEST_NAME || /\p{Cc}/u.test(name))
      throw new LcError("invalid_argument", `name must be at most ${MAX_GUEST_NAME} characters, without control characters`);
    const sub = `guest-${randomBytes(6).toString("hex")}`;
    const token = await mintToken(options.guestTokenSecret, { sub, name: name || "Guest", ttlSec: 12 * 60 * 60 });
    sendJson(res, 200, { token, user_id: sub });
  });
}

/**
 * One `bytes=a-b`, `bytes=a-` or `bytes=-n` range (what video elements ask for); undefined for
 * no or an unsupported range header, which gets the whole file.
 */
function byteRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  const match = header === undefined ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  const [start, end] =
    match[1] === "" ? [Math.max(0, size - Number(match[2])), size - 1] : [Number(match[1]), match[2] === "" ? size - 1 : Math.min(size - 1, Number(match[2]))];
  return start > end || start >= size ? "unsatisfiable" : [start, end];
}
