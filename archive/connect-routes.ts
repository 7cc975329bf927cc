import type { ConnectRouter } from "@connectrpc/connect";
import { toConnectError } from "../core/connect/connect-error.js";
import { commentToMessage } from "../core/grpc/comment-message.js";
import { PlaybackService } from "../gen/livecomments/v1/playback_service_pb.js";
import type { Playback } from "./playback.js";
import { streamIdFromPath } from "../core/stream.js";

/** Serves PlaybackService over Connect, gRPC-Web and gRPC. */
export function archiveConnectRoutes(playback: Playback): (router: ConnectRouter) => void {
  return (router) => {
    router.service(PlaybackService, {
      async getWindow(request) {
        try {
          const page = await playback.window({
            streamId: streamIdFromPath(request.streamId),
            startMs: Number(request.startMs),
            durationMs: Number(request.durationMs),
            limit: request.limit,
            ...(request.paginationToken ? { paginationToken: request.paginationToken } : {}),
            ...(request.maxRate ? { maxRate: request.maxRate } : {}),
          });
          return { comments: page.comments.map(commentToMessage), nextPaginationToken: page.nextPaginationToken ?? "" };
        } catch (error) {
          throw toConnectError(error);
        }
      },
      async getTimeline(request) {
        try {
          const timeline = await playback.timeline(streamIdFromPath(request.streamId), request.bucketS === 0 ? undefined : request.bucketS);
          return {
            bucketS: timeline.bucketS,
            counts: timeline.counts,
            peaks: timeline.peaks.map((peak) => ({ offsetMs: BigInt(peak.offsetMs), count: peak.count })),
          };
        } catch (error) {
          throw toConnectError(error);
        }
      },
    });
  };
}
