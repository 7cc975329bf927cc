import type { Clock } from "../core/clock.js";
import { LcError } from "../core/errors.js";
import type { Stream } from "../core/stream.js";
import { MAX_TITLE_CODE_POINTS, assertStreamId, streamIdFromPath } from "../core/stream.js";
import type { StreamRegistry } from "../ports/stream-registry/index.js";
import type { CommentLog } from "../ports/comment-log/index.js";
import { dependency } from "../core/dependency.js";
import type { Principal } from "../core/auth/authenticator.js";
import { assertUserId } from "./moderation.js";

/** Creating, ending and reading streams. Callers check the streams:admin scope. */
export class StreamAdmin {
  constructor(
    private readonly registry: StreamRegistry,
    private readonly log: CommentLog,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /** Creates a stream that starts now; the id is chosen when not given, the owner is the caller when not given. */
  async create(request: { streamId?: unknown; title?: unknown; ownerId?: unknown }, caller: Principal): Promise<Stream> {
    const { streamId, title } = request;
    const ownerId = request.ownerId === undefined || request.ownerId === null || request.ownerId === "" ? caller.userId : request.ownerId;
    assertUserId(ownerId, "owner_id");
    if (streamId !== undefined && streamId !== null && typeof streamId !== "string") {
      throw new LcError("invalid_stream_id", "stream_id must be a string");
    }
    if (title !== undefined && title !== null && typeof title !== "string") throw new LcError("invalid_argument", "title must be a string");
    const cleanTitle = (title ?? "").trim().normalize("NFC");
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    if ([...cleanTitle].length > MAX_TITLE_CODE_POINTS || /[\u0000-\u001f\u007f-\u009f]/.test(cleanTitle)) {
      throw new LcError("invalid_argument", `title must be at most ${MAX_TITLE_CODE_POINTS} characters, without control characters`);
    }
    const id = streamId ? assertStreamId(streamId) : this.newId();
    return this.registry.create({ streamId: id, title: cleanTitle, startedAt: this.clock.now(), ownerId });
  }

  /**
   * Ends a stream and tells its live viewers (`stream_ended`, through the log); ending it again
   * keeps the first end time and tells them again, so an end whose append failed is retried.
   */
  async end(streamId: string): Promise<Stream> {
    const stream = await this.registry.end(streamIdFromPath(streamId), this.clock.now());
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    await dependency("comment log", this.log.append({ kind: "stream_end", streamId: stream.streamId, endedAt: stream.endedAt! }), "log_unavailable");
    return stream;
  }

  /** Reads a stream, or throws `stream_not_found`. */
  async get(streamId: string): Promise<Stream> {
    const stream = await this.registry.get(streamIdFromPath(streamId));
    if (!stream) throw new LcError("stream_not_found", `stream ${streamId} does not exist`);
    return stream;
  }
}
