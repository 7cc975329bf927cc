import { requestSpanOf } from "../core/tracing.js";
import type { IncomingMessage } from "node:http";
import { clientAddressOf } from "../core/http/client-address.js";
import { acceptRequestId, requestIdOf } from "../core/request-id.js";
import { readJsonBody } from "../core/http/read-json-body.js";
import { headerValue, sendJson } from "../core/http/respond.js";
import type { Router } from "../core/http/router.js";
import { streamIdFromPath, streamToJson } from "../core/stream.js";
import type { Authenticator, Principal } from "../core/auth/authenticator.js";
import { bearerToken, requireScope } from "../core/auth/authenticator.js";
import { parseCommentInput } from "./comment-input.js";
import type { CommentIngest } from "./comment-ingest.js";
import { parseIdempotencyKey, postAnswerToJson } from "./comment-ingest.js";
import type { IngestMetrics } from "./ingest-metrics.js";
import type { StreamAdmin } from "./stream-admin.js";
import { STREAMS_ADMIN_SCOPE } from "../core/auth/scopes.js";

/** What the ingest routes need. */
export interface IngestRoutesOptions {
  readonly ingest: CommentIngest;
  readonly streams: StreamAdmin;
  readonly authenticator: Authenticator;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly metrics: IngestMetrics;
}

/** Adds the write API: streams and posting comments. */
export function ingestRoutes(router: Router, options: IngestRoutesOptions): Router {
  const { ingest, streams, authenticator, maxBodyBytes, bodyTimeoutMs, metrics } = options;
  const authenticate = (req: IncomingMessage): Promise<Principal> => authenticator.verify(bearerToken(req.headers.authorization));
  const admin = async (req: IncomingMessage): Promise<Principal> => {
    const principal = await authenticate(req);
    requireScope(principal, STREAMS_ADMIN_SCOPE);
    return principal;
  };

  return router
    .add("POST", "/v1/streams", async (req, res) => {
      const principal = await admin(req);
      const body = await readJsonBody(req, maxBodyBytes, bodyTimeoutMs);
      const request = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
      const stream = await streams.create({ streamId: request.stream_id, title: request.title, ownerId: request.owner_id }, principal);
      sendJson(res, 201, streamToJson(stream), { location: `/v1/streams/${stream.streamId}` });
    })
    .add("POST", "/v1/streams/:id/end", async (req, res, params) => {
      await admin(req);
      sendJson(res, 200, streamToJson(await streams.end(params.id!)));
    })
    .add("POST", "/v1/streams/:id/comments", async (req, res, params) => {
      const accepted = await metrics.countPost(async () => {
        const principal = await authenticate(req);
        const streamId = streamIdFromPath(params.id);
        const idempotencyKey = parseIdempotencyKey(headerValue(req, "idempotency-key"));
        const input = parseCommentInput(await readJsonBody(req, maxBodyBytes, bodyTimeoutMs), ingest.inputLimits, ingest.now());
        return ingest.post({
          principal,
          streamId,
          input,
          ...(idempotencyKey ? { idempotencyKey } : {}),
          requestId: requestIdOf(req) ?? acceptRequestId(undefined),
          clientAddress: clientAddressOf(req),
          span: requestSpanOf(req),
        });
      });
      sendJson(res, 202, postAnswerToJson(accepted));
    });
}
