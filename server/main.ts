import { createJsonLogger } from "../core/logger.js";
import { LcError } from "../core/errors.js";
import { mintToken } from "../ingest/dev-token.js";
import { readEmbeddedConfig } from "./config.js";
import { startEmbeddedApp } from "./embedded-app.js";

/** `npm start`: the whole system in one process on embedded storage. */
async function main(): Promise<void> {
  let config;
  try {
    config = readEmbeddedConfig(process.env);
  } catch (error) {
    process.stderr.write(`livecomments: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const logger = createJsonLogger({ quiet: config.quiet });
  let app;
  try {
    app = await startEmbeddedApp(config, logger);
  } catch (error) {
    const message = error instanceof LcError || (error instanceof Error && "code" in error) ? error.message : String(error);
    process.stderr.write(`livecomments: cannot start: ${message}\n`);
    process.exit(1);
  }
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const base = `http://${shownHost}:${app.httpPort}`;
  const admin = await mintToken(app.jwtSecret, { sub: "admin", name: "Admin", scope: "streams:admin" });
  const viewer = await mintToken(app.jwtSecret, { sub: "alice", name: "Alice" });
  process.stdout.write(
    [
      `Live Comments is running in one process on embedded storage.`,
      `  HTTP  ${base}  (REST API, SSE, Connect PlaybackService)`,
      `  gRPC  ${shownHost}:${app.grpcPort}  (CommentService, StreamService, FanoutRelay)`,
      `  data  ${app.databaseFile}`,
      app.usesDevSecret
        ? `  auth  development secret in ${config.dataDir}/dev-jwt-secret (set LC_JWT_SECRET in production)`
        : `  auth  HS256 with LC_JWT_SECRET`,
      ``,
      `Try it (tokens valid 24 h; more with: npm run token -- --sub bob --name Bob):`,
      `  ADMIN=${admin}`,
      `  ALICE=${viewer}`,
      `  curl -s -X POST ${base}/v1/streams -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"stream_id":"demo"}'`,
      `  curl -N ${base}/v1/streams/demo/comments/subscribe &`,
      `  curl -s -X POST ${base}/v1/streams/demo/comments -H "authorization: Bearer $ALICE" -H 'content-type: application/json' -d '{"text":"hello"}'`,
      ``,
    ].join("\n"),
  );
  const stop = (signal: string) => {
    logger.info("stopping", { signal });
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("unclean stop", { err: error });
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

void main();
