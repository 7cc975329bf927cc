import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import { silentLogger } from "../core/logger.js";
import { sendError } from "../core/http/respond.js";
import { LcError } from "../core/errors.js";
import { Router } from "../core/http/router.js";
import { createUuidV7 } from "../core/uuid-v7.js";
import { systemClock } from "../core/clock.js";
import { createSqliteCommentLog } from "../ports/comment-log/sqlite.js";
import { createMemoryIdempotencyStore } from "../ports/idempotency-store/memory.js";
import { createMemoryRateLimiter } from "../ports/rate-limiter/memory.js";
import { openDatabase } from "../ports/sqlite/open-database.js";
import { createSqliteModerationStore } from "../ports/moderation-store/sqlite.js";
import { createSqliteStreamRegistry } from "../ports/stream-registry/sqlite.js";
import type { HttpServer } from "../host/http-server.js";
import { startHttpServer } from "../host/http-server.js";
import { createHs256Authenticator } from "../core/auth/authenticator.js";
import { DEFAULT_COMMENT_INPUT_LIMITS } from "./defaults.js";
import { unreadRegistry } from "../core/metrics.js";
import { IngestMetrics } from "./ingest-metrics.js";
import { CommentIngest } from "./comment-ingest.js";
import { mintToken } from "../core/auth/dev-token.js";
import { ingestRoutes } from "./http-routes.js";
import { StreamAdmin } from "./stream-admin.js";

const secret = "test-secret";
const db = openDatabase(":memory:");
const log = createSqliteCommentLog({ db });
const registry = createSqliteStreamRegistry(db);
let server: HttpServer;

beforeAll(async () => {
  const newId = createUuidV7();
  const ingest = new CommentIngest({
    log,
    streams: registry,
    rateLimiter: createMemoryRateLimiter(),
    idempotency: createMemoryIdempotencyStore(),
    moderation: createSqliteModerationStore(db),
    rateLimits: {},
    inputLimits: DEFAULT_COMMENT_INPUT_LIMITS,
    clock: systemClock,
    newId,
  });
  const router = ingestRoutes(new Router(), {
    ingest,
    streams: new StreamAdmin(registry, log, systemClock, newId),
    authenticator: createHs256Authenticator({ secret }),
    maxBodyBytes: 16_384,
    metrics: new IngestMetrics(unreadRegistry()),
    bodyTimeoutMs: 10_000,
  });
  server = await startHttpServer({
    host: "127.0.0.1",
    port: 0,
    router,
    fallback: (req, res) => sendError(req, res, new LcError("not_found", "no such route"), silentLogger),
    maxConnections: 100,
    logger: silentLogger,
  });
});

afterAll(async () => {
  await server.close();
  db.close();
});

test("should answer 503 with Retry-After, never 202, when the log cannot take the comment", async () => {
  await registry.create({ streamId: "s1", title: "", startedAt: Date.now() });
  const post = async () =>
    fetch(`http://127.0.0.1:${server.port}/v1/streams/s1/comments`, {
      method: "POST",
      headers: { authorization: `Bearer ${await mintToken(secret, { sub: "u1" })}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "hello" }),
    });
  assert.equal((await post()).status, 202);
  await log.close();
  const refused = await post();
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.deepEqual(await refused.json(), { error: { code: "log_unavailable", message: "the comment log is closed" } });
});
