import { STREAMS_ADMIN_SCOPE } from "../core/auth/scopes.js";
import type { Logger } from "../core/logger.js";
import { mintToken } from "../core/auth/dev-token.js";
import { readEmbeddedConfig } from "./config.js";
import { startEmbeddedApp } from "./embedded-app.js";
import type { RunningRole } from "./engines.js";
import { shownHost } from "../host/role-host.js";

/** `livecomments all` (what `npm start` runs): every role in one process on embedded storage. */
export async function runAll(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<RunningRole> {
  const config = readEmbeddedConfig(env);
  const app = await startEmbeddedApp(config, logger);
  const host = shownHost(config.host);
  const base = `${app.scheme}://${host}:${app.httpPort}`;
  const admin = await mintToken(app.jwtSecret, { sub: "admin", name: "Admin", scope: STREAMS_ADMIN_SCOPE });
  const viewer = await mintToken(app.jwtSecret, { sub: "alice", name: "Alice" });
  return {
    description: [
      `Live Comments is running in one process on embedded storage.`,
      `  HTTP  ${base}  (REST API, SSE, Connect PlaybackService)`,
      `  gRPC  ${host}:${app.grpcPort}  (CommentService, StreamService, FanoutRelay)`,
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
      `  open ${base}/?stream=demo   (the demo page: live while the stream runs, replay once it has ended)`,
    ].join("\n"),
    close: () => app.close(),
  };
}
