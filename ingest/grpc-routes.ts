import { requestSpanOf } from "../core/tracing.js";
import type { Metadata, Server } from "@grpc/grpc-js";
import { addGrpcService, peerAddress } from "../core/grpc/grpc-service.js";
import { streamToMessage } from "../core/grpc/comment-message.js";
import type { Logger } from "../core/logger.js";
import { CommentService } from "../gen/livecomments/v1/comment_service_pb.js";
import { StreamService } from "../gen/livecomments/v1/stream_service_pb.js";
import type { Authenticator, Principal } from "../core/auth/authenticator.js";
import { callPrincipal, callPrincipalWithScope, metadataString } from "../core/grpc/call-auth.js";
import { REQUEST_ID_HEADER, acceptRequestId } from "../core/request-id.js";
import { parseCommentInput } from "./comment-input.js";
import type { IngestMetrics } from "./ingest-metrics.js";
import type { CommentIngest } from "./comment-ingest.js";
import { parseIdempotencyKey } from "./comment-ingest.js";
import { STREAMS_ADMIN_SCOPE } from "../core/auth/scopes.js";
import type { StreamAdmin } from "./stream-admin.js";
import { streamIdFromPath } from "../core/stream.js";
import { rankOn } from "../core/stream-rank.js";

/** What the ingest gRPC services need. */
export interface IngestGrpcOptions {
  readonly ingest: CommentIngest;
  readonly streams: StreamAdmin;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
}

/** Serves CommentService and StreamService with the same rules as the HTTP API. */
export function addIngestGrpcServices(server: Server, options: IngestGrpcOptions): void {
  const { ingest, streams, authenticator, logger, metrics } = options;
  const authenticate = (metadata: Metadata): Promise<Principal> => callPrincipal(authenticator, metadata);
  const admin = (metadata: Metadata) => callPrincipalWithScope(authenticator, metadata, STREAMS_ADMIN_SCOPE);

  addGrpcService(
    server,
    CommentService,
    {
      async postComment(request, call) {
        const accepted = await metrics.countPost(async () => {
          const principal = await authenticate(call.metadata);
          const streamId = streamIdFromPath(request.streamId);
          const idempotencyKey = parseIdempotencyKey(request.idempotencyKey);
          const input = parseCommentInput(
            { text: request.text, client_ts: request.clientTs === undefined ? undefined : Number(request.clientTs), meta: request.meta },
            ingest.inputLimits,
            ingest.now(),
          );
          const requestId = acceptRequestId(metadataString(call.metadata, REQUEST_ID_HEADER));
          return ingest.post({
            principal,
            streamId,
            input,
            ...(idempotencyKey ? { idempotencyKey } : {}),
            requestId,
            clientAddress: peerAddress(call.getPeer()),
            span: requestSpanOf(call.metadata),
          });
        });
        if (accepted.status === "held") return { commentId: accepted.commentId, status: accepted.status };
        return {
          commentId: accepted.commentId,
          seq: BigInt(accepted.seq),
          serverTs: BigInt(accepted.serverTs),
          offsetMs: BigInt(accepted.offsetMs),
          status: accepted.status,
        };
      },
    },
    logger,
  );

  addGrpcService(
    server,
    StreamService,
    {
      async createStream(request, call) {
        const principal = await admin(call.metadata);
        return {
          stream: streamToMessage(await streams.create({ streamId: request.streamId || undefined, title: request.title, ownerId: request.ownerId }, principal)),
        };
      },
      async endStream(request, call) {
        await admin(call.metadata);
        return { stream: streamToMessage(await streams.end(request.streamId)) };
      },
      async getStream(request, call) {
        // A caller who sends a token is told its own rank on the stream.
        const caller = call.metadata.get("authorization").length > 0 ? await authenticate(call.metadata) : undefined;
        const stream = await streams.get(request.streamId);
        return { stream: streamToMessage(stream), ...(caller ? { callerRank: rankOn(stream, caller) } : {}) };
      },
    },
    logger,
  );
}
