import type { JsonObject } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CommentReviewService, Verdict } from "../../gen/livecomments/v1/comment_review_pb.js";
import type { CommentReviewer, ReviewAnswer } from "./index.js";

/** How ingest speaks to the review service. */
export type ReviewProtocol = "connect" | "grpc";

const VERDICTS: Partial<Record<Verdict, ReviewAnswer["verdict"]>> = {
  [Verdict.ALLOW]: "allow",
  [Verdict.HOLD]: "hold",
  [Verdict.REJECT]: "reject",
};

/** Longest reason kept from an answer: it reaches moderators and authors, never unbounded. */
export const MAX_REVIEW_REASON_LENGTH = 200;

/**
 * The review service reached with the Connect protocol and the JSON codec over HTTP/1.1 (so a
 * plain HTTP endpoint can implement it), or with gRPC over HTTP/2. Either reads `baseUrl`'s
 * scheme: https uses TLS.
 */
export function createConnectReviewer(baseUrl: string, protocol: ReviewProtocol): CommentReviewer {
  // gRPC keeps one HTTP/2 session open to the hook; closing the reviewer ends it.
  const sessions = protocol === "grpc" ? new Http2SessionManager(baseUrl) : undefined;
  const transport =
    sessions === undefined
      ? createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false })
      : createGrpcTransport({ baseUrl, sessionManager: sessions });
  const client = createClient(CommentReviewService, transport);
  return {
    async review(request, signal) {
      const answer = await client.reviewComment(
        {
          commentId: request.commentId,
          streamId: request.streamId,
          userId: request.userId,
          userName: request.userName,
          text: request.text,
          clientAddress: request.clientAddress,
          ...(request.meta === undefined ? {} : { meta: request.meta as JsonObject }),
        },
        { signal },
      );
      return { verdict: VERDICTS[answer.verdict] ?? "unspecified", reason: answer.reason.slice(0, MAX_REVIEW_REASON_LENGTH) };
    },
    async close() {
      sessions?.abort();
    },
  };
}
