import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { formatRetry } from "./sse-format.js";
import type { ViewerConnection, Viewers } from "./viewers.js";

/** Limits of one SSE connection. */
export interface EventStreamLimits {
  readonly retryMs: number;
  /** Unsent bytes past which the viewer counts as too slow and is cut off. */
  readonly maxBufferedBytes: number;
}

/** An open SSE connection. */
export interface EventStream extends ViewerConnection {
  lastWriteAt: number;
  /** Ends the stream (the client reconnects and resumes). */
  end(): void;
  /** Runs once when the connection has closed, whoever closed it. */
  onClose(callback: () => void): void;
}

/**
 * Opens one SSE connection: admission (its errors are thrown before anything is written, so
 * they become ordinary JSON errors), headers and `retry:`. The body is close-delimited rather
 * than chunked, so frames go to the socket as they are: the same bytes for every viewer, with
 * no per-viewer framing. A viewer whose unsent bytes pass the limit is cut off; it reconnects
 * with Last-Event-ID and loses nothing.
 */
export function openEventStream(req: IncomingMessage, res: ServerResponse, streamId: string, viewers: Viewers, limits: EventStreamLimits): EventStream {
  const socket: Socket = req.socket;
  let open = true;
  const closeCallbacks: (() => void)[] = [];
  const stream: EventStream = {
    lastWriteAt: Date.now(),
    write(bytes) {
      if (!open) return;
      stream.lastWriteAt = Date.now();
      socket.write(bytes);
      if (socket.writableLength > limits.maxBufferedBytes) socket.destroy();
    },
    closeWithRetry(retryMs) {
      stream.write(formatRetry(retryMs));
      stream.end();
    },
    end() {
      if (open) socket.end();
    },
    onClose(callback) {
      closeCallbacks.push(callback);
    },
  };
  const ticket = viewers.admit(socket.remoteAddress ?? "unknown", streamId, stream);
  socket.setNoDelay(true);
  res.useChunkedEncodingByDefault = false; // close-delimited body: see above
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "close",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  // Jitter spreads the reconnects of many viewers dropped at once.
  stream.write(formatRetry(limits.retryMs * (0.8 + Math.random() * 0.4)));
  res.on("close", () => {
    open = false;
    ticket.leave();
    for (const callback of closeCallbacks) callback();
  });
  return stream;
}
