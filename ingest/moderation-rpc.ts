import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import type { Server } from "@grpc/grpc-js";
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { Authenticator, Principal } from "../core/auth/authenticator.js";
import { bearerToken } from "../core/auth/authenticator.js";
import { toConnectError } from "../core/connect/connect-error.js";
import { commentToMessage, streamToMessage } from "../core/grpc/comment-message.js";
import { callPrincipal } from "../core/grpc/call-auth.js";
import type { GrpcServiceImpl } from "../core/grpc/grpc-service.js";
import { addGrpcService } from "../core/grpc/grpc-service.js";
import type { Logger } from "../core/logger.js";
import { ModerationService } from "../gen/livecomments/v1/moderation_service_pb.js";
import type { Moderation } from "./moderation.js";

type Methods = (typeof ModerationService)["method"];

/** Each method of ModerationService as a call by an authenticated principal. */
type ModerationCalls = {
  [K in keyof Methods]: (request: MessageShape<Methods[K]["input"]>, principal: Principal) => Promise<MessageInitShape<Methods[K]["output"]>>;
};

function moderationCalls(moderation: Moderation): ModerationCalls {
  return {
    async deleteComment(request, principal) {
      const deleted = await moderation.deleteComment(principal, request.streamId, request.commentId);
      return { commentId: deleted.commentId, deletedAt: BigInt(deleted.deletedAt) };
    },
    async pinComment(request, principal) {
      return { stream: streamToMessage(await moderation.pin(principal, request.streamId, request.commentId)) };
    },
    async unpinComment(request, principal) {
      await moderation.unpin(principal, request.streamId);
      return {};
    },
    async banUser(request, principal) {
      const durationS = request.durationS === undefined ? undefined : Number(request.durationS);
      const { until } = await moderation.ban(principal, request.streamId, request.userId, durationS, request.reason);
      return { userId: request.userId, ...(until === null ? {} : { until: BigInt(until) }) };
    },
    async unbanUser(request, principal) {
      await moderation.unban(principal, request.streamId, request.userId);
      return {};
    },
    async setSlowMode(request, principal) {
      return { stream: streamToMessage(await moderation.setSlowMode(principal, request.streamId, request.slowModeS)) };
    },
    async updateStreamModes(request, principal) {
      const { slowModeS, membersOnly, uniqueChat, delayS } = request;
      const modes = { slow_mode_s: slowModeS, members_only: membersOnly, unique_chat: uniqueChat, delay_s: delayS };
      return { stream: streamToMessage(await moderation.updateModes(principal, request.streamId, modes)) };
    },
    async listHeldComments(request, principal) {
      const held = await moderation.listHeld(principal, request.streamId);
      return { held: held.map((entry) => ({ comment: commentToMessage({ ...entry.record, seq: 0 }), reason: entry.reason, heldAt: BigInt(entry.heldAt) })) };
    },
    async approveHeldComment(request, principal) {
      return { comment: commentToMessage(await moderation.approve(principal, request.streamId, request.commentId)) };
    },
    async denyHeldComment(request, principal) {
      await moderation.deny(principal, request.streamId, request.commentId);
      return {};
    },
    async getBlockedTerms(request, principal) {
      return { terms: [...(await moderation.blockedTerms(principal, request.streamId))] };
    },
    async setBlockedTerms(request, principal) {
      return { terms: [...(await moderation.setBlockedTerms(principal, request.streamId, request.terms))] };
    },
    async listModerators(request, principal) {
      const { ownerId, userIds } = await moderation.moderators(principal, request.streamId);
      return { ownerId: ownerId ?? "", userIds: [...userIds] };
    },
    async addModerator(request, principal) {
      return { userIds: [...(await moderation.addModerator(principal, request.streamId, request.userId))] };
    },
    async removeModerator(request, principal) {
      await moderation.removeModerator(principal, request.streamId, request.userId);
      return {};
    },
  };
}

type UnaryCall = (request: MessageShape<DescMessage>, principal: Principal) => Promise<MessageInitShape<DescMessage>>;

/** Each call with the principal found by `principalOf` from the transport's own context. */
function withPrincipal<C>(
  calls: ModerationCalls,
  serve: (call: UnaryCall) => (request: MessageShape<DescMessage>, context: C) => Promise<MessageInitShape<DescMessage>>,
): Record<string, (request: MessageShape<DescMessage>, context: C) => Promise<MessageInitShape<DescMessage>>> {
  return Object.fromEntries(Object.entries(calls).map(([name, call]) => [name, serve(call as UnaryCall)]));
}

/** Serves ModerationService on the gRPC port. */
export function addModerationGrpcService(server: Server, moderation: Moderation, authenticator: Authenticator, logger: Logger): void {
  const impl = withPrincipal(
    moderationCalls(moderation),
    (call) => async (request, grpcCall: { metadata: Parameters<typeof callPrincipal>[1] }) =>
      call(request, await callPrincipal(authenticator, grpcCall.metadata)),
  );
  addGrpcService(server, ModerationService, impl as unknown as GrpcServiceImpl<Methods>, logger);
}

/** Serves ModerationService with Connect, gRPC-Web and gRPC on the HTTP port. */
export function moderationConnectRoutes(moderation: Moderation, authenticator: Authenticator): (router: ConnectRouter) => void {
  const impl = withPrincipal(moderationCalls(moderation), (call) => async (request, context: HandlerContext) => {
    try {
      return await call(request, await authenticator.verify(bearerToken(context.requestHeader.get("authorization") ?? undefined)));
    } catch (error) {
      throw toConnectError(error);
    }
  });
  return (router) => {
    router.service(ModerationService, impl as unknown as Parameters<typeof router.service<typeof ModerationService>>[1]);
  };
}
