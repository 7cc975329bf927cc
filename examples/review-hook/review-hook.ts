// A review service for Live Comments' review hook, built only on the public contract
// (proto/livecomments/v1/comment_review.proto and its generated code): it holds every comment
// with a word from its list for a moderator, rejects links from accounts it first saw less
// than LC_HOOK_NEW_ACCOUNT_S ago, and allows the rest. It speaks Connect (JSON or binary) over
// HTTP/1.1, which is ingest's default (LC_REVIEW_PROTOCOL=connect).
//
//   node dist/examples/review-hook/review-hook.js     (configuration: see README.md beside this file)
import { createServer } from "node:http";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { CommentReviewService, Verdict } from "../../gen/livecomments/v1/comment_review_pb.js";
import type { ReviewCommentRequest } from "../../gen/livecomments/v1/comment_review_pb.js";

/** What the service reads from its environment. */
interface HookConfig {
  readonly host: string;
  readonly port: number;
  readonly words: readonly string[];
  readonly newAccountMs: number;
}

function readConfig(env: NodeJS.ProcessEnv): HookConfig {
  const words = (env.LC_HOOK_WORDS ?? "")
    .split(",")
    .map((word) => word.trim())
    .filter((word) => word !== "");
  const port = Number(env.LC_HOOK_PORT ?? "8090");
  const newAccountS = Number(env.LC_HOOK_NEW_ACCOUNT_S ?? "600");
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error("LC_HOOK_PORT must be a port number");
  if (!Number.isFinite(newAccountS) || newAccountS < 0) throw new Error("LC_HOOK_NEW_ACCOUNT_S must be a number of seconds");
  return { host: env.LC_HOOK_HOST ?? "127.0.0.1", port, words, newAccountMs: newAccountS * 1000 };
}

/** A matcher of whole words, in any case and width, in any script. */
function wordMatcher(words: readonly string[]): (text: string) => string | undefined {
  if (words.length === 0) return () => undefined;
  const escaped = words.map((word) =>
    word
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
  );
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${escaped.join("|")})(?![\\p{L}\\p{N}])`, "iu");
  return (text) => pattern.exec(text.normalize("NFKC").toLowerCase())?.[1];
}

/** A link in any of the forms people paste. */
const LINK = /\bhttps?:\/\/|\bwww\.|\b[a-z0-9-]+\.(?:com|net|org|io|gg|ly|co|xyz|ru|tv)\b/i;

/** Users this service has seen, by when it first saw them; bounded, oldest forgotten first. */
const MAX_REMEMBERED_USERS = 100_000;

function say(line: string): void {
  process.stdout.write(`review-hook: ${line}\n`);
}

/** The service: a verdict per comment, from the word list and the author's age. */
export function reviewRoutes(config: Pick<HookConfig, "words" | "newAccountMs">, now: () => number = Date.now): (router: ConnectRouter) => void {
  const matches = wordMatcher(config.words);
  const firstSeen = new Map<string, number>();
  const ageOf = (userId: string): number => {
    let seen = firstSeen.get(userId);
    if (seen === undefined) {
      if (firstSeen.size >= MAX_REMEMBERED_USERS) firstSeen.delete(firstSeen.keys().next().value!);
      seen = now();
      firstSeen.set(userId, seen);
    }
    return now() - seen;
  };
  return (router) =>
    router.service(CommentReviewService, {
      reviewComment(request: ReviewCommentRequest) {
        const newAccount = ageOf(request.userId) < config.newAccountMs;
        const word = matches(request.text);
        if (word) return { verdict: Verdict.HOLD, reason: `contains "${word}"` };
        if (newAccount && LINK.test(request.text)) return { verdict: Verdict.REJECT, reason: "new accounts may not post links yet" };
        return { verdict: Verdict.ALLOW, reason: "" };
      },
    });
}

function main(): void {
  const config = readConfig(process.env);
  const server = createServer(connectNodeAdapter({ routes: reviewRoutes(config) }));
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    say(
      `listening on http://${config.host}:${port} (${config.words.length} held words; links refused from accounts younger than ${config.newAccountMs / 1000} s)`,
    );
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close(() => say("stopped")));
}

if (process.argv[1]?.endsWith("review-hook.js")) main();
